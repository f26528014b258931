/**
 * runc's `ps`, `pause`, `resume` and `kill --all`: processes come from the container's cgroup;
 * pause freezes it (status `paused`), resume thaws it. Runs against runc too.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bundle, createDetached, runtime, skipUnlessRoot, stateOf, waitFor } from './helpers.js';

// Unique ids: the default cgroup path is derived from the id, so a run that died mid-test must
// not leave a (frozen) cgroup that the next run would join.
const pzId = `pz-${process.pid}`;
const ps1Id = `ps1-${process.pid}`;
const kaId = `ka-${process.pid}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runtime ps, pause, resume, kill --all', { skip: skipUnlessRoot }, () => {
  it('ps lists the cgroup pids as json and as a ps -ef table', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sh', '-c', 'sleep 100 & sleep 101 & wait']);
    assert.equal(createDetached(rt, ps1Id, b).status, 0);
    assert.equal(rt.run(['start', ps1Id]).status, 0);
    const init = stateOf(rt, ps1Id).pid;
    let pids: number[] = [];
    await waitFor(() => {
      const r = rt.run(['ps', '--format', 'json', ps1Id]);
      pids = JSON.parse(r.stdout) ?? [];
      return pids.length === 3;
    });
    assert.ok(pids.includes(init));
    const table = rt.run(['ps', ps1Id]);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /\bPID\b/);
    assert.equal(lines.length, 4, table.stdout);
    assert.ok(lines.some((l) => /sleep 101/.test(l)));
    assert.equal(rt.run(['delete', '--force', ps1Id]).status, 0);
  });

  it('pause freezes the container (status paused), resume thaws it', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sh', '-c', 'while true; do echo tick; sleep 0.02; done']);
    const c = createDetached(rt, pzId, b);
    assert.equal(c.status, 0);
    // runc pauses a created container too; it is created again after resume.
    assert.equal(rt.run(['pause', pzId]).status, 0);
    assert.equal(stateOf(rt, pzId).status, 'paused');
    assert.notEqual(rt.run(['start', pzId]).status, 0, 'a paused container cannot be started');
    assert.equal(rt.run(['resume', pzId]).status, 0);
    assert.equal(stateOf(rt, pzId).status, 'created');
    assert.equal(rt.run(['start', pzId]).status, 0);
    assert.notEqual(rt.run(['resume', pzId]).status, 0, 'resume of a running container is an error');
    await waitFor(() => statSync(c.out).size > 0);
    const p = rt.run(['pause', pzId]);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(stateOf(rt, pzId).status, 'paused');
    const size = statSync(c.out).size;
    await sleep(300);
    assert.equal(statSync(c.out).size, size, 'a paused container does not run');
    assert.notEqual(rt.run(['exec', pzId, 'true']).status, 0, 'no exec into a paused container');
    assert.equal(rt.run(['resume', pzId]).status, 0);
    assert.equal(stateOf(rt, pzId).status, 'running');
    await waitFor(() => statSync(c.out).size > size);
    // A paused container is deleted with --force.
    assert.equal(rt.run(['pause', pzId]).status, 0);
    assert.equal(rt.run(['delete', '--force', pzId]).status, 0);
    assert.notEqual(rt.run(['state', pzId]).status, 0);
  });

  it('kill --all signals every process in the cgroup', async () => {
    const rt = runtime();
    // No pid namespace: killing the init alone would leave its children running.
    const b = bundle(rt, ['sh', '-c', 'sleep 100 & sleep 100 & wait'], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    assert.equal(createDetached(rt, kaId, b).status, 0);
    assert.equal(rt.run(['start', kaId]).status, 0);
    let pids: number[] = [];
    await waitFor(() => {
      pids = JSON.parse(rt.run(['ps', '--format', 'json', kaId]).stdout) ?? [];
      return pids.length === 3;
    });
    const k = rt.run(['kill', '--all', kaId, 'KILL']);
    assert.equal(k.status, 0, k.stderr);
    const gone = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
      } catch {
        return true;
      }
    };
    await waitFor(() => pids.every(gone));
    await waitFor(() => stateOf(rt, kaId).status === 'stopped');
    assert.equal(rt.run(['delete', kaId]).status, 0);
  });
});
