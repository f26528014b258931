/**
 * `--runtime runc` (and crun) give the same results as the default hull-runtime library (issue
 * 5): run --rm output and exit code, -d then logs, stop and wait, exec output and status.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { enginePaths } from '../../../src/engine/paths.js';
import { type EngineEnv, engineEnv, engineMounts, inspectOf, leftovers, suffix } from './engine-env.js';

/** cgroup v1 with the v2 hierarchy beside it: crun (1.8) refuses to run there at all. */
const hybridCgroups = existsSync('/sys/fs/cgroup/unified') && !existsSync('/sys/fs/cgroup/cgroup.controllers');
const hasCrun = existsSync('/usr/bin/crun');
const runtimes = ['hull-runtime', 'runc', ...(hasCrun && !hybridCgroups ? ['crun'] : [])];

interface Results {
  run: { status: number; stdout: string };
  logs: string;
  wait: string;
  exec: { status: number; stdout: string };
  execStatus: number;
}

describe('hull run --runtime', () => {
  let e: EngineEnv;
  const results = new Map<string, Results>();
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  for (const runtime of runtimes) {
    it(`${runtime}: run --rm, -d with logs/stop/wait, exec — and nothing left after rm`, () => {
      const rt = ['--runtime', runtime, '--network', 'none'];
      const run = e.hull(['run', '--rm', ...rt, e.image, 'sh', '-c', 'echo "$GREETING in $(pwd)"; exit 3']);
      const name = `rt-${runtime}-${suffix()}`;
      e.ok([
        'run',
        '-d',
        ...rt,
        '--name',
        name,
        e.image,
        'sh',
        '-c',
        'echo up; trap "echo down; exit 9" TERM; while true; do sleep 0.1; done',
      ]);
      const id = inspectOf(e, name).Id;
      const exec = e.hull(['exec', '-e', 'X=from exec', name, 'sh', '-c', 'echo "$X as $(id -u)"']);
      const execStatus = e.hull(['exec', name, 'sh', '-c', 'exit 4']).status;
      // The trap runs once the shell is waiting: give it the time `up` takes to appear.
      for (let i = 0; i < 50 && !e.ok(['logs', name]).stdout.includes('up'); i++) e.ok(['exec', name, 'true']);
      e.ok(['stop', '-t', '10', name]);
      const wait = e.ok(['wait', name]).stdout.trim();
      const logs = e.ok(['logs', name]).stdout;
      results.set(runtime, { run: { status: run.status, stdout: run.stdout }, logs, wait, exec, execStatus });
      assert.equal(run.status, 3, run.stderr);
      assert.equal(run.stdout, 'hello from the image in /tmp\n');
      assert.equal(exec.status, 0, exec.stderr);
      assert.equal(exec.stdout, 'from exec as 0\n');
      assert.equal(execStatus, 4);
      assert.equal(wait, '9');
      assert.equal(logs, 'up\ndown\n');
      assert.equal(inspectOf(e, name).State.ExitCode, 9);
      e.ok(['rm', name]);
      assert.deepEqual(leftovers(e.root, id, enginePaths(e.root).runtimeRoot), []);
    });
  }

  it('a runtime that refuses to run (crun on hybrid cgroups) fails with its reason, exit 125, nothing left', {
    skip: !(hasCrun && hybridCgroups) && 'crun runs on this host',
  }, () => {
    const before = e.ok(['ps', '-aq']).stdout;
    const r = e.hull(['run', '-d', '--runtime', 'crun', '--network', 'none', e.image, 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /crun create exited with status 1: cgroups in hybrid mode not supported/);
    assert.equal(e.ok(['ps', '-aq']).stdout, before);
    assert.deepEqual(engineMounts(e.root), []);
  });

  it('every runtime gave the default runtime results', () => {
    const base = results.get('hull-runtime');
    assert.ok(base, 'the hull-runtime case ran');
    for (const runtime of runtimes.slice(1)) assert.deepEqual(results.get(runtime), base, runtime);
  });
});
