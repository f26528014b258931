/**
 * The monitor's own life, through the runtime library, runc and crun: it is the container's
 * parent after create, a monitor killed with SIGKILL leaves no exit file and no live monitor (the
 * engine then shows the container stopped with an unknown code), a failed create makes it exit
 * with the create's failure and write nothing, and the exit command runs after the exit file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { monitorAlive, readExit, readLogs, spawnMonitorWithCommand } from '../../../src/engine/monitor/index.js';
import { skipUnlessRoot } from '../../runtime/helpers.js';
import { box, cli, created, createFromChild, createHere, kindSkip, kinds, start, waitFor } from './helpers.js';

function ppid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

for (const kind of kinds) {
  describe(`monitor lifecycle (${kind})`, { skip: kindSkip(kind) }, () => {
    it("is the container init's parent once the creating process has exited", () => {
      const bx = box(kind, ['sleep', '100']);
      const r = createFromChild(bx);
      assert.ok(r.ok, r.error ?? r.stderr);
      const monitor = Number(readFileSync(join(bx.dir, 'monitor.pid'), 'utf8'));
      const init = Number(readFileSync(bx.mon.pidFile, 'utf8'));
      assert.equal(ppid(init), monitor);
      assert.equal(monitorAlive(bx.dir), true);
    });

    it('created from a long-running process, is not its child: re-parented at once, never its zombie', {
      skip: kind !== 'library' && 'the addon starts the monitor only for the runtime library',
    }, async () => {
      const bx = box(kind, ['sleep', '100']);
      await created(bx);
      const monitor = Number(readFileSync(join(bx.dir, 'monitor.pid'), 'utf8'));
      assert.notEqual(ppid(monitor), process.pid);
      // In a session of its own: no terminal signal of ours reaches it.
      const sid = (pid: number) => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
      };
      assert.equal(sid(monitor), monitor);
    });

    it('writes ctr.log in --log-dir when given, the rest in its directory', async () => {
      const logDir = join(dirname(dirname(box(kind, ['true']).dir)), `logs-${kind}`);
      mkdirSync(logDir, { recursive: true });
      const bx = box(kind, ['sh', '-c', 'echo to-the-log'], { logDir });
      await created(bx);
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      assert.equal(existsSync(join(bx.dir, 'ctr.log')), false);
      assert.match(readFileSync(join(logDir, 'ctr.log'), 'utf8'), /to-the-log/);
      const logged: string[] = [];
      for await (const e of readLogs(bx.dir, { logDir })) logged.push(e.data.toString());
      assert.deepEqual(logged, ['to-the-log\n']);
    });

    it('kill -9 of the monitor: no exit file and no live monitor, so the exit code is unknown', async () => {
      const bx = box(kind, ['sleep', '100']);
      await created(bx);
      start(bx);
      const monitor = Number(readFileSync(join(bx.dir, 'monitor.pid'), 'utf8'));
      process.kill(monitor, 'SIGKILL');
      await waitFor(() => !monitorAlive(bx.dir));
      assert.equal(readExit(bx.dir), undefined);
      // The container itself lives on (reparented); the engine cleans it up with the runtime.
      assert.equal(cli(bx, ['delete', '--force', bx.id]).status, 0);
    });

    it('a second run in the same directory (a restart) starts from a clean exit and pid file and appends to the log', async () => {
      const bx = box(kind, ['sh', '-c', 'echo run; exit 5']);
      await created(bx);
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      const first = readExit(bx.dir);
      assert.equal(cli(bx, ['delete', bx.id]).status, 0);
      await waitFor(() => !monitorAlive(bx.dir));

      await created(bx);
      assert.equal(readExit(bx.dir), undefined, 'the last run’s exit file is gone');
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      assert.equal(readExit(bx.dir)?.code, 5);
      assert.ok((readExit(bx.dir)?.finishedAt ?? '') > (first?.finishedAt ?? ''));
      const logged: string[] = [];
      for await (const e of readLogs(bx.dir, {})) logged.push(e.data.toString());
      assert.deepEqual(logged, ['run\n', 'run\n']);
    });

    it('runs the exit command after writing the exit file', async () => {
      const marker = join('/tmp', `hull-monitor-exitcmd-${process.pid}-${kind}`);
      const bx = box(kind, ['sh', '-c', 'exit 4'], {
        exitCommand: ['sh', '-c', `cat "$0"/exit > ${marker}.tmp && mv ${marker}.tmp ${marker}`],
      });
      bx.mon.exitCommand?.push(bx.dir);
      await created(bx);
      start(bx);
      await waitFor(() => existsSync(marker));
      assert.match(readFileSync(marker, 'utf8'), /^4 \S+Z\n$/);
      writeFileSync(marker, '');
    });
  });
}

describe('monitor: failed create', { skip: skipUnlessRoot }, () => {
  it('runc: exits with runc create’s status, passes its stderr on, writes no exit file', async () => {
    const bx = box('runc', ['true']);
    writeFileSync(join(bx.bundle, 'config.json'), '{ not json');
    const r = await spawnMonitorWithCommand(bx.mon, [
      'runc',
      '--root',
      bx.root,
      'create',
      '--bundle',
      bx.bundle,
      '--pid-file',
      bx.mon.pidFile,
      bx.id,
    ]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /runc create failed/);
    await waitFor(() => !monitorAlive(bx.dir));
    assert.equal(readExit(bx.dir), undefined);
    assert.equal(existsSync(join(bx.dir, 'attach')), false);
  });

  it('a command that cannot be run: status 127 and the reason on stderr', async () => {
    const bx = box('runc', ['true']);
    const r = await spawnMonitorWithCommand(bx.mon, ['/nonexistent/runtime', 'create']);
    assert.equal(r.status, 127);
    assert.match(r.stderr, /nonexistent\/runtime/);
  });

  it('library: a container whose binary is missing fails create with hull-init’s error; the monitor exits', async () => {
    const bx = box('library', ['/no/such/binary']);
    const r = await createHere(bx);
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /no\/such\/binary/);
    await waitFor(() => !monitorAlive(bx.dir));
    assert.equal(readExit(bx.dir), undefined);
  });

  it('bad monitor options are refused before anything runs', async () => {
    const bx = box('runc', ['true']);
    await assert.rejects(() => spawnMonitorWithCommand({ ...bx.mon, logMaxSize: -1 }, ['true']), /log max size/);
    const r = await spawnMonitorWithCommand({ ...bx.mon, pidFile: bx.mon.pidFile, containerDir: '/nonexistent/dir' }, [
      'true',
    ]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--dir \/nonexistent\/dir/);
  });
});
