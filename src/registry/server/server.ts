/**
 * startRegistry: the distribution-spec server on node:http (or node:https when the config has a
 * TLS cert and key). Routing, auth and errors live in handler.ts; this file owns the listening
 * socket, timeouts and graceful shutdown.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Authorizer } from '../auth/types.js';
import { parseAddr, type RegistryConfig } from '../config.js';
import type { RegistryStore } from '../store/types.js';
import type { WebHandler } from '../web/types.js';
import { createRegistryHandler } from './handler.js';
import { type LogSink, stderrSink } from './log.js';
import { openStore } from './open-store.js';

export interface RegistryDeps {
  /** Default: the filesystem store at config.root. */
  store?: RegistryStore;
  authorizer?: Authorizer;
  web?: WebHandler;
  /** Default: JSON lines on stderr unless config.log.quiet. */
  log?: LogSink;
}

export interface RunningRegistry {
  /** http(s)://host:port, with the real port when addr asked for port 0. */
  url: string;
  server: Server;
  store: RegistryStore;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function startRegistry(config: RegistryConfig, deps: RegistryDeps = {}): Promise<RunningRegistry> {
  const { host, port } = parseAddr(config.addr);
  const store = deps.store ?? (await openStore(config.root));
  const listener = createRegistryHandler({
    store,
    config,
    ...(deps.authorizer ? { authorizer: deps.authorizer } : {}),
    ...(deps.web ? { web: deps.web } : {}),
    ...(config.log.quiet && !deps.log ? {} : { log: deps.log ?? stderrSink }),
  });
  const tls = config.tls;
  const server: Server = tls
    ? (createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener) as unknown as Server)
    : createHttpServer(listener);
  // A whole blob upload may take long; what must not happen is a body that stalls. The idle
  // socket timeout covers that (and slow-loris headers via headersTimeout), not a total cap.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.setTimeout(config.limits.bodyTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections with no request in flight would hold close() open forever.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      idle.unref();
      force.unref();
      server.once('close', () => {
        clearInterval(idle);
        clearTimeout(force);
      });
    });
    return closing;
  };
  return { url, server, store, close };
}
