/**
 * Where the engine keeps things (docs/engine.md#on-disk). One root per engine (`--root`, default
 * /var/lib/hull); the runtime state and network namespaces live under /run, which a reboot
 * clears, as podman's and containerd's do.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export const DEFAULT_ROOT = '/var/lib/hull';

export interface EnginePaths {
  root: string;
  db: string;
  images: string;
  snapshots: string;
  /** Containers' files that outlive a reboot: upper and work layers, logs (containerDataDir). */
  containers: string;
  /**
   * Containers' run-time files, on /run (tmpfs): bundle, lock, pidfile, the monitor's exit,
   * sockets and fifo, /etc files, network.json (containerDir). podman's runroot: none of them
   * needs to survive a reboot, and creating a file on the disk costs up to ~1 ms here.
   */
  runContainers: string;
  volumes: string;
  /** hull-runtime's (and any CLI runtime's) --root for this engine's containers. */
  runtimeRoot: string;
}

export function enginePaths(root = DEFAULT_ROOT): EnginePaths {
  const abs = resolve(root);
  // A second engine root (tests, or a user's own) gets its own runtime state directory, so
  // `hull system prune` of one never sees the other's containers.
  const run =
    abs === DEFAULT_ROOT ? '/run/hull' : `/run/hull-${createHash('sha256').update(abs).digest('hex').slice(0, 12)}`;
  return {
    root: abs,
    db: join(abs, 'hull.db'),
    images: join(abs, 'images'),
    snapshots: join(abs, 'snapshots'),
    containers: join(abs, 'containers'),
    runContainers: join(run, 'containers'),
    volumes: join(abs, 'volumes'),
    runtimeRoot: join(run, 'runtime'),
  };
}

/** A container's run-time directory (on /run): what its verbs, runtime and monitor share. */
export function containerDir(paths: EnginePaths, id: string): string {
  return join(paths.runContainers, id);
}

/** A container's directory under --root: its overlay upper and work layers and its logs. */
export function containerDataDir(paths: EnginePaths, id: string): string {
  return join(paths.containers, id);
}
