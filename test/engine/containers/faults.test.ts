/**
 * Faults (issue 5): `kill -9` of hull at each step of `run` (HULL_TEST_PAUSE_AT in
 * src/engine/containers/create.ts), then `hull rm -f` or `hull system prune`, leaves nothing:
 * no mount, netns, CNI lease, iptables rule, runtime state, cgroup or row. And a container
 * whose monitor was SIGKILLed shows as exited with code -1, not running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerDir, enginePaths } from '../../../src/engine/paths.js';
import { hullBin } from '../../helpers/fixtures.js';
import { type EngineEnv, engineEnv, freePort, inspectOf, leftovers, suffix } from './engine-env.js';

/** Starts `hull run` paused at `step`, waits for its pause line, and SIGKILLs it. */
async function killRunAt(e: EngineEnv, step: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [hullBin, 'run', '--root', e.root, ...args], {
    env: { ...process.env, HULL_TEST_PAUSE_AT: step },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pause at ${step}: ${stderr}`)), 60_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (stderr.includes(`hull: test pause at ${step}\n`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hull exited ${code} before pausing at ${step}: ${stderr}`));
    });
  });
  child.kill('SIGKILL');
  await exited;
}

describe('hull run killed at each step', () => {
  let e: EngineEnv;
  const net = `hf${suffix()}`;
  before(async () => {
    e = await engineEnv();
    e.ok(['network', 'create', net]);
    e.ok(['pull', '-q', e.image]);
  });
  after(async () => {
    await e?.close();
    e?.hull(['network', 'rm', net]);
  });

  for (const step of ['mounted', 'network', 'created']) {
    for (const cleaner of ['rm -f', 'system prune']) {
      it(`SIGKILL at "${step}", then ${cleaner}: nothing is left`, async () => {
        const name = `fault-${step}-${suffix()}`;
        const port = await freePort();
        await killRunAt(e, step, [
          '-d',
          '--name',
          name,
          '--network',
          net,
          '-p',
          `127.0.0.1:${port}:80`,
          e.image,
          'sleep',
          '300',
        ]);
        const doc = inspectOf(e, name);
        assert.notEqual(doc.State.Status, 'running', 'a killed create never shows as running');
        // What the killed hull had made by then is really there (so the check below can see it).
        const left = leftovers(e.root, doc.Id, enginePaths(e.root).runtimeRoot).join('\n');
        const expected =
          {
            mounted: ['mount'],
            network: ['mount', 'netns', 'CNI lease', 'iptables'],
            created: ['netns', 'runtime state', 'cgroup'],
          }[step] ?? [];
        for (const kind of expected) assert.match(left, new RegExp(`^${kind}`, 'm'), `${kind} after a kill at ${step}`);
        if (cleaner === 'rm -f') e.ok(['rm', '-f', name]);
        else e.ok(['system', 'prune', '-f']);
        assert.equal(e.ok(['ps', '-aq', '--no-trunc']).stdout.includes(doc.Id), false, 'no row');
        assert.deepEqual(leftovers(e.root, doc.Id, enginePaths(e.root).runtimeRoot), []);
      });
    }
  }

  it('a container whose monitor was SIGKILLed shows as Exited (-1), and rm -f cleans it up', () => {
    const name = `orphan-${suffix()}`;
    e.ok(['run', '-d', '--network', net, '--name', name, e.image, 'sleep', '300']);
    const id = inspectOf(e, name).Id;
    const monitor = Number(readFileSync(join(containerDir(enginePaths(e.root), id), 'monitor.pid'), 'utf8'));
    assert.ok(monitor > 0);
    process.kill(monitor, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(monitor, 0);
      } catch {
        break;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    const doc = inspectOf(e, name);
    assert.equal(doc.State.Status, 'exited');
    assert.equal(doc.State.ExitCode, -1);
    assert.match(e.ok(['ps', '-a']).stdout, new RegExp(`Exited \\(-1\\).*${name}`));
    assert.doesNotMatch(e.ok(['ps']).stdout, new RegExp(name));
    e.ok(['rm', '-f', name]);
    assert.deepEqual(leftovers(e.root, id, enginePaths(e.root).runtimeRoot), []);
  });
});
