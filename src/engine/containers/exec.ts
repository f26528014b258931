/** `hull exec`: another process in a running container, through the container's runtime. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { resolveUser } from '../../image/bundle/user.js';
import type { Engine } from '../engine.js';
import { containerDir } from '../paths.js';
import { lookup } from './lifecycle.js';
import { openRuntime } from './runtime.js';

export interface ExecRequestCli {
  args: string[];
  env: string[];
  user?: string;
  workdir?: string;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
}

/**
 * docker exec's environment: the container's own (its config.json), then -e on top — given
 * whole to the runtime, since runtimes differ on what `exec --env` keeps (crun 1.8 keeps only
 * what it is given, so PATH would be gone).
 */
function execEnv(dir: string, extra: string[]): string[] {
  let base: string[] = [];
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'bundle', 'config.json'), 'utf8')) as {
      process?: { env?: string[] };
    };
    base = spec.process?.env ?? [];
  } catch {
    // no bundle config: the runtime's own defaults and -e
  }
  const names = new Set(extra.map((kv) => kv.split('=', 1)[0]));
  return [...base.filter((kv) => !names.has(kv.split('=', 1)[0])), ...extra];
}

export async function execInContainer(engine: Engine, ref: string, o: ExecRequestCli): Promise<number> {
  const c = lookup(engine, ref);
  if (c.state !== 'running') {
    throw new HullError('BAD_STATE', `container ${c.name} is not running`);
  }
  const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
  let user = o.user;
  if (user !== undefined && !/^\d+(:\d+)?$/.test(user)) {
    // Names resolve through the container's own /etc/passwd and /etc/group, as docker exec -u does.
    const u = resolveUser(user, join(containerDir(engine.paths, c.id), 'bundle', 'rootfs'));
    user = `${u.uid}:${u.gid}`;
  }
  if (o.tty && o.detach) {
    throw new HullError('INVALID', 'exec -d -t: a detached exec has no terminal to relay to; drop -t or -d');
  }
  return runtime.exec(c.id, {
    args: o.args,
    env: execEnv(containerDir(engine.paths, c.id), o.env),
    cwd: o.workdir,
    user,
    tty: o.tty,
    interactive: o.interactive,
    detach: o.detach,
  });
}
