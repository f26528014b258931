/**
 * `--runtime runc` (and crun) give the same results as the default hull-runtime library (issue
 * 5): run --rm output and exit code, -d then logs, stop and wait, exec output and status.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enginePaths } from '../../../src/engine/paths.js';
import { type EngineEnv, engineEnv, engineMounts, inspectOf, leftovers, suffix } from './engine-env.js';

/**
 * crun too where installed: on a hybrid cgroup host (which crun 1.8 refuses) hull runs it in a
 * private mount namespace without the cgroup2 mount (runtime.ts runtimeArgv).
 */
const hasCrun = existsSync('/usr/bin/crun');
const runtimes = ['hull-runtime', 'runc', ...(hasCrun ? ['crun'] : [])];

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

  it('a runtime that refuses to create fails with its reason, exit 125, nothing left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hull-fake-runtime-'));
    try {
      const fake = join(dir, 'fake-runtime');
      writeFileSync(fake, '#!/bin/sh\necho "fake-runtime: refusing $3 today" >&2\nexit 1\n', { mode: 0o755 });
      const before = e.ok(['ps', '-aq']).stdout;
      const r = e.hull(['run', '-d', '--runtime', fake, '--network', 'none', e.image, 'true']);
      assert.equal(r.status, 125);
      assert.match(r.stderr, /create exited with status 1: fake-runtime: refusing create today/);
      assert.equal(e.ok(['ps', '-aq']).stdout, before);
      assert.deepEqual(engineMounts(e.root), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every runtime gave the default runtime results', () => {
    const base = results.get('hull-runtime');
    assert.ok(base, 'the hull-runtime case ran');
    for (const runtime of runtimes.slice(1)) assert.deepEqual(results.get(runtime), base, runtime);
  });
});
