/**
 * The command a container's monitor runs after the container exits (podman's --exit-command):
 * `hull container cleanup`, which deletes the runtime's container, unmounts the rootfs, releases
 * the network (CNI DEL) and, for --rm, removes the container. Running it from the monitor makes
 * cleanup happen even when no hull command is around when the container exits.
 */
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';

export function hullEntry(): string {
  // dist/src/engine/containers/exit-command.js → bin/hull
  return fileURLToPath(new URL('../../../../bin/hull', import.meta.url));
}

/**
 * Through bin/hull's sh part, as a user's `hull` would run: NODE_EXTRA_CA_CERTS (which this
 * process passes on to its children) is set aside there, so the cleanup does not spend its
 * start-up parsing CA certificates it never uses. A foreground `run` releases its container
 * itself (the monitor's handover, src/engine/monitor/attach.ts), so this runs for the others.
 */
export function exitCommand(engine: Engine, id: string): string[] {
  return ['/bin/sh', hullEntry(), 'container', 'cleanup', '--root', engine.paths.root, id];
}
