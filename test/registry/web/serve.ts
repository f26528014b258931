/** Serves a WebHandler over a store on a throwaway port, for tests (the real server does more). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import type { RegistryStore } from '../../../src/registry/store/types.js';
import type { WebHandler } from '../../../src/registry/web/types.js';

export async function serveWeb(handler: WebHandler, store: RegistryStore): Promise<string> {
  const server = createServer(async (req, res) => {
    try {
      if (!(await handler(req, res, store))) res.writeHead(404, { 'x-not-handled': '1' }).end();
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
