/** Shared by the auth tests: htpasswd files with cheap bcrypt hashes, and a throwaway HTTP server around an Authorizer. */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import bcrypt from 'bcryptjs';
import type { AccessNeed, Authorizer } from '../../../src/registry/auth/types.js';

/** Cost 4: the lowest bcrypt allows, so tests stay fast. htpasswd -B writes $2y$, which we mimic. */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:${bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$')}`;
}

export function writeHtpasswd(dir: string, users: Record<string, string>, name = 'htpasswd'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${Object.entries(users)
      .map(([u, p]) => htpasswdLine(u, p))
      .join('\n')}\n`,
  );
  return file;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A fake request carrying just what authorize() reads. */
export function fakeRequest(headers: Record<string, string> = {}): IncomingMessage {
  return { headers: { host: '127.0.0.1:5000', ...headers }, socket: {} } as unknown as IncomingMessage;
}

/**
 * A server that answers the token endpoint through the authorizer and every other request
 * by authorizing `need` from the `x-need` header (JSON) — enough to test challenges end to end.
 */
export async function serveAuthorizer(authorizer: Authorizer): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    try {
      if (authorizer.handleTokenRequest && (await authorizer.handleTokenRequest(req, res))) return;
      const need = JSON.parse(String(req.headers['x-need'] ?? '{"base":true}')) as AccessNeed;
      const r = await authorizer.authorize(req, need);
      if (r.ok) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: r.user ?? null }));
      } else {
        res
          .writeHead(r.status, { ...r.headers, 'content-type': 'application/json' })
          .end(JSON.stringify(r.error.body()));
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
