/**
 * runtime.md#lifecycle and #operations, observed from outside: create → created → start →
 * running → exit → stopped → delete; the guards; kill; run's exit codes; list; bad configs.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundle, createDetached, isRunc, runContainer, runtime, skipUnlessRoot, stateOf, waitFor } from './helpers.js';

describe('runtime lifecycle', { skip: skipUnlessRoot }, () => {
  it('create → created → start → running → exits → stopped → delete', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sh', '-c', 'sleep 1.5; echo out-$((6*7))']);
    const c = createDetached(rt, 'life', b);
    assert.equal(c.status, 0, c.stderr);
    const s = stateOf(rt, 'life');
    assert.equal(s.status, 'created');
    assert.equal(s.id, 'life');
    assert.equal(s.bundle, b);
    assert.ok(s.pid > 0);
    assert.match(s.ociVersion, /^1\./);
    assert.equal(readFileSync(c.out, 'utf8'), '', 'the user program must not run before start');

    assert.equal(rt.run(['start', 'life']).status, 0);
    assert.equal(stateOf(rt, 'life').status, 'running');
    // runtime.md#start: starting a container that is not created is an error.
    assert.notEqual(rt.run(['start', 'life']).status, 0);
    // runtime.md#delete: deleting a running container is an error and has no effect.
    assert.notEqual(rt.run(['delete', 'life']).status, 0);
    assert.equal(stateOf(rt, 'life').status, 'running');

    await waitFor(() => stateOf(rt, 'life').status === 'stopped');
    assert.equal(readFileSync(c.out, 'utf8'), 'out-42\n');
    // runtime.md#kill: a stopped container cannot be signalled.
    assert.notEqual(rt.run(['kill', 'life', 'KILL']).status, 0);
    assert.equal(rt.run(['delete', 'life']).status, 0);
    assert.notEqual(rt.run(['state', 'life']).status, 0);
    assert.deepEqual(readdirSync(rt.root), []);
  });

  it('kill accepts signal names and numbers', async () => {
    const rt = runtime();
    for (const [i, sig] of ['TERM', 'SIGTERM', '15', 'KILL', '9'].entries()) {
      const id = `k${i}`;
      const b = bundle(rt, ['sh', '-c', 'trap "exit 3" TERM; while true; do sleep 0.05; done']);
      assert.equal(createDetached(rt, id, b).status, 0);
      assert.equal(rt.run(['start', id]).status, 0);
      await new Promise((r) => setTimeout(r, 100)); // let the shell install its trap
      const k = rt.run(['kill', id, sig]);
      assert.equal(k.status, 0, k.stderr);
      await waitFor(() => stateOf(rt, id).status === 'stopped');
      assert.equal(rt.run(['delete', id]).status, 0);
    }
  });

  it('kills a created container and deletes it with --force', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sleep', '100']);
    assert.equal(createDetached(rt, 'kc', b).status, 0);
    assert.equal(rt.run(['kill', 'kc', 'KILL']).status, 0);
    await waitFor(() => stateOf(rt, 'kc').status === 'stopped');
    assert.equal(rt.run(['delete', 'kc']).status, 0);

    assert.equal(createDetached(rt, 'kf', b).status, 0);
    assert.equal(rt.run(['start', 'kf']).status, 0);
    assert.equal(rt.run(['delete', '--force', 'kf']).status, 0);
    assert.notEqual(rt.run(['state', 'kf']).status, 0);
  });

  it('run reports the exit code, and 128+N for a signal', () => {
    const rt = runtime();
    assert.equal(runContainer(rt, 'r0', bundle(rt, ['true'])).status, 0);
    const r = runContainer(rt, 'r1', bundle(rt, ['sh', '-c', 'echo hi; exit 7']));
    assert.equal(r.status, 7);
    assert.equal(r.stdout, 'hi\n');
    // Without a pid namespace: pid 1 of a namespace cannot be killed by signals from inside it.
    const noPidNs = bundle(rt, ['sh', '-c', 'kill -9 $$'], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    assert.equal(runContainer(rt, 'r2', noPidNs).status, 137);
    // run deletes the container afterwards.
    assert.deepEqual(readdirSync(rt.root), []);
  });

  it('run --detach starts the container; list shows it', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sleep', '100']);
    const out = join(rt.dir, 'd.out');
    // The detached container keeps its stdio: give it a file, not the pipe spawnSync waits on.
    const fd = openSync(out, 'w');
    const r = rt.run(['run', '--detach', '--bundle', b, 'det'], { stdout: fd, stderr: fd });
    closeSync(fd);
    assert.equal(r.status, 0, readFileSync(out, 'utf8'));
    assert.equal(stateOf(rt, 'det').status, 'running');
    assert.equal(rt.run(['list', '-q']).stdout, 'det\n');
    const json = JSON.parse(rt.run(['list', '--format', 'json']).stdout);
    assert.equal(json[0].id, 'det');
    assert.equal(json[0].status, 'running');
    assert.match(rt.run(['list']).stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/);
    assert.equal(rt.run(['delete', '-f', 'det']).status, 0);
    assert.equal(rt.run(['list', '-q']).stdout, '');
  });

  it('refuses a duplicate id', () => {
    const rt = runtime();
    const b = bundle(rt, ['sleep', '100']);
    assert.equal(createDetached(rt, 'dup', b).status, 0);
    assert.notEqual(createDetached(rt, 'dup', b).status, 0);
    assert.equal(stateOf(rt, 'dup').status, 'created');
    assert.equal(rt.run(['delete', '-f', 'dup']).status, 0);
  });

  it('an invalid config is an error naming the JSON path, leaving nothing behind', () => {
    const rt = runtime();
    const b = bundle(rt, ['true'], (c) => {
      (c.process as unknown as Record<string, unknown>).cwd = 'relative/dir';
    });
    const r = createDetached(rt, 'bad', b);
    assert.notEqual(r.status, 0);
    // runc says "Cwd must be an absolute path"; hull names the field.
    assert.match(r.stderr, isRunc ? /cwd|Cwd/ : /\$\.process\.cwd/);
    assert.ok(!existsSync(join(rt.root, 'bad')));
    assert.ok(!existsSync('/sys/fs/cgroup/memory/hull/bad'));
    assert.ok(!existsSync('/sys/fs/cgroup/memory/bad'));
  });

  // runc writes the same logrus records; podman and containerd read `msg` of the last error.
  it('--log-format json writes error records to --log', () => {
    const rt = runtime();
    const log = join(rt.dir, 'log.json');
    const r = rt.run(['--log', log, '--log-format', 'json', 'start', 'nope']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const rec = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop() as string);
    assert.equal(rec.level, 'error');
    assert.match(rec.msg, /does not exist/);
    assert.ok(!Number.isNaN(Date.parse(rec.time)));
  });
});
