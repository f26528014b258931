/**
 * Creates one container under hull-monitor, the way the engine does: through the runtime
 * library with monitorLauncher, or through runc's or crun's CLI with spawnMonitorWithCommand. Run as a
 * script (`node create-child.js JSON`) it prints the result as JSON and returns; the process
 * must then exit on its own, which proves the monitor does not keep the creator alive.
 */
import { pathToFileURL } from 'node:url';
import { runtimeArgv } from '../../../src/engine/containers/runtime.js';
import {
  consoleSocketPath,
  type MonitorOptions,
  monitorLauncher,
  spawnMonitorWithCommand,
} from '../../../src/engine/monitor/index.js';
import type { Logger } from '../../../src/runtime/cli/log.js';

const log: Logger = { debug() {}, warn() {}, error() {} };

export async function createUnderMonitor(
  kind: 'library' | 'runc' | 'crun',
  root: string,
  id: string,
  bundle: string,
  mon: MonitorOptions,
): Promise<{ ok: boolean; status?: number; stderr?: string; error?: string; monitorPid?: number }> {
  if (kind !== 'library') {
    const args = ['--root', root, 'create', '--bundle', bundle, '--pid-file', mon.pidFile];
    if (mon.terminal) args.push('--console-socket', consoleSocketPath(mon.containerDir));
    args.push(id);
    // As the engine runs them: crun on a hybrid cgroup host through its mount-namespace wrapper.
    const [file, argv] = runtimeArgv(kind, args);
    const r = await spawnMonitorWithCommand(mon, [file, ...argv]);
    return { ok: r.status === 0, ...r };
  }
  const { create } = await import('../../../src/runtime/ops/create.js');
  try {
    await create({
      root,
      id,
      bundle,
      pidFile: mon.pidFile,
      consoleSocket: mon.terminal ? consoleSocketPath(mon.containerDir) : undefined,
      launcher: monitorLauncher(mon),
      log,
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const req = JSON.parse(process.argv[2] ?? '{}');
  const r = await createUnderMonitor(req.kind, req.root, req.id, req.bundle, req.mon);
  process.stdout.write(JSON.stringify(r));
}
