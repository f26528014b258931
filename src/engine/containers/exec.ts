/** `hull exec`: another process in a running container, through the container's runtime. */
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
    env: o.env,
    cwd: o.workdir,
    user,
    tty: o.tty,
    interactive: o.interactive,
    detach: o.detach,
  });
}
