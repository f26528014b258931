/**
 * Faults: the runtime killed with SIGKILL in the middle of create (hull-runtime stops at a named
 * stage when HULL_RUNTIME_TEST_PAUSE_AT says so), then `delete --force` must leave no process,
 * cgroup directory, mount or state directory behind. And two concurrent `start`s of one
 * container start it exactly once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  bundle,
  createDetached,
  isRunc,
  runtime,
  runtimeBin,
  skipUnlessRoot,
  stateOf,
  uniq,
  waitFor,
} from './helpers.js';

/** Every process whose cmdline or cgroup mentions the marker. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const cg = readFileSync(`/proc/${d}/cgroup`, 'utf8');
      if (cmd.includes(marker) || cg.includes(marker)) out.push(Number(d));
    } catch {}
  }
  return out;
}

function cgroupDirsWith(marker: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0 || !(f[sep + 1] ?? '').startsWith('cgroup')) continue;
    const mp = f[4] as string;
    const walk = (dir: string, depth: number) => {
      if (depth > 6) return;
      let ents: string[] = [];
      try {
        ents = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        return;
      }
      for (const e of ents) {
        if (e.includes(marker)) out.push(join(dir, e));
        walk(join(dir, e), depth + 1);
      }
    };
    walk(mp, 0);
  }
  return out;
}

/** Every point where create waits (src/runtime/ops/create.ts testPauseAt). */
const STAGES = ['cgroups', 'compiled', 'init-started', 'hooks', 'created'];

describe('runtime faults', { skip: skipUnlessRoot }, () => {
  for (const stage of STAGES) {
    it(`SIGKILL of create at "${stage}", then delete --force, leaves nothing behind`, {
      skip: isRunc ? 'HULL_RUNTIME_TEST_PAUSE_AT is hull-runtime only' : false,
    }, async () => {
      const rt = runtime();
      const id = uniq(`fault-${stage}`);
      const b = bundle(rt, ['sleep', '100'], (c) => {
        // Named after the id, so that cgroupDirsWith(id) finds what the create made.
        c.linux!.cgroupsPath = `/${id}`;
        // The "hooks" stage is inside the sync point, which only exists with runtime hooks;
        // hull-init waits there with its mounts made and the exec fifo open.
        if (stage === 'hooks') c.hooks = { prestart: [{ path: '/bin/true' }] };
      });
      const child = spawn(runtimeBin(), ['--root', rt.root, 'create', '--bundle', b, id], {
        env: { ...process.env, HULL_RUNTIME_TEST_PAUSE_AT: stage },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      const exited = new Promise((r) => child.once('exit', r));
      await waitFor(() => err.includes(`test pause at ${stage}`), 10_000);
      child.kill('SIGKILL');
      await exited;
      assert.ok(existsSync(join(rt.root, id)), 'the state directory exists after the kill');

      // Half created: a plain delete refuses, --force cleans up.
      assert.notEqual(rt.run(['delete', id]).status, 0);
      const d = rt.run(['delete', '--force', id]);
      assert.equal(d.status, 0, d.stderr);
      await waitFor(() => processesWith(id).length === 0, 5000);
      assert.deepEqual(cgroupDirsWith(id), []);
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(rt.dir), 'no mount of the bundle is left');
      assert.ok(!existsSync(join(rt.root, id)));
      assert.notEqual(rt.run(['state', id]).status, 0);
    });
  }

  it('a create killed before its first state write is removed by delete --force', {
    skip: isRunc ? 'hull-runtime only' : false,
  }, () => {
    const rt = runtime();
    mkdirSync(join(rt.root, 'half'), { recursive: true });
    assert.equal(rt.run(['delete', '--force', 'half']).status, 0);
    assert.ok(!existsSync(join(rt.root, 'half')));
  });

  it('two concurrent starts start the container once', async () => {
    const rt = runtime();
    const id = uniq('twice');
    const b = bundle(rt, ['sh', '-c', 'echo started; sleep 100']);
    const c = createDetached(rt, id, b);
    assert.equal(c.status, 0, c.stderr);
    const startOnce = () =>
      new Promise<{ code: number; err: string }>((resolve) => {
        const p = spawn(runtimeBin(), ['--root', rt.root, 'start', id], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d) => {
          err += d;
        });
        p.once('exit', (code) => resolve({ code: code ?? 128, err }));
      });
    const results = await Promise.all([startOnce(), startOnce()]);
    const ok = results.filter((r) => r.code === 0);
    assert.equal(ok.length, 1, JSON.stringify(results));
    const failed = results.find((r) => r.code !== 0);
    assert.ok(failed && failed.err.trim().length > 0, 'the losing start reports an error');
    await waitFor(() => readFileSync(c.out, 'utf8').length > 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(readFileSync(c.out, 'utf8'), 'started\n');
    assert.equal(stateOf(rt, id).status, 'running');
    assert.equal(rt.run(['delete', '--force', id]).status, 0);
  });
});
