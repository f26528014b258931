/**
 * Hooks (config.md#posix-platform-hooks, runtime.md#lifecycle): every stage runs, in order, with
 * the state JSON on stdin; startContainer runs inside the container. And CVE-2019-5736: the
 * runtime's binary cannot be written through the init's /proc/PID/exe.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Hook } from '../../src/oci/runtime/types.js';
import { bundle, createDetached, isRunc, runtime, skipUnlessRoot, stateOf, waitFor } from './helpers.js';

describe('hooks', { skip: skipUnlessRoot }, () => {
  it('run in lifecycle order with the state on stdin', async () => {
    const rt = runtime();
    const log = join(rt.dir, 'hooklog');
    mkdirSync(log);
    // Host-side stages write to the host path; startContainer runs in the container, via a bind mount.
    const hook = (stage: string, dir = log): Hook => ({
      path: '/bin/sh',
      args: ['sh', '-c', `cat > ${dir}/${stage}.json; echo ${stage} >> ${dir}/order`],
      timeout: 10,
    });
    const b = bundle(rt, ['sh', '-c', 'echo process >> /hooklog/order'], (c) => {
      c.mounts!.push({ destination: '/hooklog', type: 'bind', source: log, options: ['rbind', 'rw'] });
      c.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        startContainer: [hook('startContainer', '/hooklog')],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
    });
    assert.equal(createDetached(rt, 'h', b).status, 0);
    const order = () => readFileSync(join(log, 'order'), 'utf8').trim().split('\n');
    // runc 1.1.5 runs poststart hooks at the end of `create`, before the program runs, against
    // runtime.md#lifecycle step 9 ("after the user-specified process is executed"; fixed in runc 1.2).
    const atCreate = ['prestart', 'createRuntime', 'createContainer', ...(isRunc ? ['poststart'] : [])];
    assert.deepEqual(order(), atCreate);
    const r = rt.run(['start', 'h']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => stateOf(rt, 'h').status === 'stopped');
    assert.equal(rt.run(['delete', 'h']).status, 0);
    const got = order();
    assert.deepEqual(got.slice(0, atCreate.length + 1), [...atCreate, 'startContainer']);
    // poststart may run before or after the process writes its line.
    const mid = isRunc ? ['process'] : ['poststart', 'process'];
    assert.deepEqual([...got.slice(atCreate.length + 1, -1)].sort(), mid);
    assert.equal(got.at(-1), 'poststop');
    for (const stage of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
      const s = JSON.parse(readFileSync(join(log, `${stage}.json`), 'utf8'));
      assert.equal(s.id, 'h', stage);
      assert.equal(s.bundle, b, stage);
      assert.match(s.ociVersion, /^1\./, stage);
      if (stage !== 'poststop') assert.ok(s.pid > 0, stage);
    }
  });

  it('a failing createRuntime hook fails create and leaves nothing behind', () => {
    const rt = runtime();
    const b = bundle(rt, ['true'], (c) => {
      c.hooks = { createRuntime: [{ path: '/bin/false' }] };
    });
    const r = createDetached(rt, 'hf', b);
    assert.notEqual(r.status, 0);
    assert.notEqual(rt.run(['state', 'hf']).status, 0);
  });

  it('a hook past its timeout fails', () => {
    const rt = runtime();
    const b = bundle(rt, ['true'], (c) => {
      c.hooks = { prestart: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    const t0 = Date.now();
    assert.notEqual(createDetached(rt, 'ht', b).status, 0);
    assert.ok(Date.now() - t0 < 15_000);
  });
});

describe('CVE-2019-5736', { skip: skipUnlessRoot }, () => {
  it("the init's /proc/PID/exe cannot be written (created container, from the host)", () => {
    const rt = runtime();
    assert.equal(createDetached(rt, 'cve', bundle(rt, ['true'])).status, 0);
    const { pid } = stateOf(rt, 'cve');
    assert.throws(() => closeSync(openSync(`/proc/${pid}/exe`, 'r+')), /EPERM|ETXTBSY|EACCES|EROFS/);
    assert.throws(() => writeFileSync(`/proc/${pid}/exe`, 'x'), /EPERM|ETXTBSY|EACCES|EROFS/);
    assert.equal(rt.run(['delete', '-f', 'cve']).status, 0);
  });

  it('nor from a startContainer hook inside the container, with every capability', async () => {
    const rt = runtime();
    const log = join(rt.dir, 'cvelog');
    mkdirSync(log);
    const b = bundle(rt, ['true'], (c) => {
      c.mounts!.push({ destination: '/cvelog', type: 'bind', source: log, options: ['rbind', 'rw'] });
      const all = ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETUID', 'CAP_SETGID'];
      c.process!.capabilities = { bounding: all, effective: all, permitted: all };
      c.hooks = {
        startContainer: [
          {
            path: '/bin/sh',
            args: [
              'sh',
              '-c',
              '(echo x > /proc/$PPID/exe) 2>/dev/null && echo WROTE > /cvelog/r || echo DENIED > /cvelog/r',
            ],
          },
        ],
      };
    });
    assert.equal(createDetached(rt, 'cve2', b).status, 0);
    assert.equal(rt.run(['start', 'cve2']).status, 0);
    await waitFor(() => stateOf(rt, 'cve2').status === 'stopped');
    assert.equal(readFileSync(join(log, 'r'), 'utf8'), 'DENIED\n');
    assert.equal(rt.run(['delete', 'cve2']).status, 0);
  });
});
