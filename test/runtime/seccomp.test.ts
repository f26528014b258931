/**
 * config-linux.md#seccomp beyond container.test.ts: every kind of action in one profile, flags,
 * and SCMP_ACT_NOTIFY with listenerPath: the runtime sends the notify fd and the container
 * process state (config-linux.md#the-container-process-state) over SCM_RIGHTS to a seccomp
 * agent, which answers the container's system calls. Node cannot receive SCM_RIGHTS, so the agent
 * is python3 (socket.recv_fds, and ioctl on the notify fd).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RuntimeConfig } from '../../src/oci/runtime/types.js';
import { bundle, createDetached, isRunc, runtime, skipUnlessRoot, stateOf, uniq, waitFor } from './helpers.js';

const ARCHES: NonNullable<RuntimeConfig['linux']>['seccomp'] extends infer S
  ? S extends { architectures?: infer A }
    ? A
    : never
  : never = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];

/**
 * The agent: accepts one connection, takes the fd and the state message, writes the message to
 * argv[2], then answers every notification with -EACCES until the filter has no users left.
 * SECCOMP_IOCTL_NOTIF_RECV = _IOWR('!', 0, struct seccomp_notif) (80 bytes); SEND = _IOWR('!', 1,
 * struct seccomp_notif_resp) (24 bytes: u64 id, s64 val, s32 error, u32 flags).
 */
const AGENT = `
import socket, sys, os, struct, fcntl, select, errno
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print('ready', flush=True)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 65536, 1)
open(sys.argv[2], 'wb').write(msg)
fd = fds[0]
RECV, SEND = 0xC0502100, 0xC0182101
answered = 0
while True:
    r, _, _ = select.select([fd], [], [], 20)
    if not r: break
    buf = bytearray(80)
    try:
        fcntl.ioctl(fd, RECV, buf, True)
    except OSError:
        break
    nid = struct.unpack_from('<Q', buf, 0)[0]
    try:
        fcntl.ioctl(fd, SEND, bytearray(struct.pack('<QqiI', nid, 0, -errno.EACCES, 0)), True)
        answered += 1
    except OSError:
        pass
print(answered, flush=True)
`;

describe('seccomp', { skip: skipUnlessRoot }, () => {
  it('KILL_PROCESS, TRAP, ERRNO with errnoRet, LOG and ALLOW in one profile, with a flag', () => {
    const rt = runtime();
    const b = bundle(
      rt,
      [
        'sh',
        '-c',
        'mkdir /tmp/a; echo m$?; rmdir /tmp; echo r$?; chmod 700 /tmp; echo c$?; touch /tmp/f; rm /tmp/f; echo u$?',
      ],
      (c) => {
        c.root!.readonly = false;
        c.linux!.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ARCHES,
          // runc 1.1.5 refuses any flag ("seccomp flags are not yet supported by runc").
          ...(isRunc ? {} : { flags: ['SECCOMP_FILTER_FLAG_LOG' as const] }),
          syscalls: [
            { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' },
            { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
            { names: ['chmod', 'fchmodat', 'fchmodat2'], action: 'SCMP_ACT_TRAP' },
            { names: ['unlink', 'unlinkat'], action: 'SCMP_ACT_LOG' },
          ],
        };
      },
    );
    const r = rt.run(['run', '--bundle', b, uniq('sc')]);
    assert.equal(r.status, 0, r.stderr);
    // SIGSYS (31) kills mkdir and chmod: 128 + 31.
    assert.equal(r.stdout, 'm159\nr1\nc159\nu0\n', r.stderr);
    assert.match(r.stderr, /Permission denied/);
  });

  it('SCMP_ACT_NOTIFY: the agent gets the fd and the state, and answers the call', async () => {
    const rt = runtime();
    const id = uniq('notify');
    const sock = join(rt.dir, 'agent.sock');
    const msgFile = join(rt.dir, 'agent.msg');
    const script = join(rt.dir, 'agent.py');
    writeFileSync(script, AGENT);
    const agent = spawn('python3', [script, sock, msgFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    agent.stdout.on('data', (d) => {
      out += d;
    });
    const agentDone = new Promise((r) => agent.once('exit', r));
    try {
      await waitFor(() => out.startsWith('ready\n'));
      const b = bundle(rt, ['sh', '-c', 'mkdir /tmp/n; echo m$?; echo after'], (c) => {
        c.root!.readonly = false;
        c.linux!.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ARCHES,
          listenerPath: sock,
          listenerMetadata: 'meta "quoted"',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      const c = createDetached(rt, id, b);
      assert.equal(c.status, 0, c.stderr);
      const { pid } = stateOf(rt, id);
      assert.equal(rt.run(['start', id]).status, 0);
      await waitFor(() => stateOf(rt, id).status === 'stopped', 15_000);
      assert.equal(readFileSync(c.out, 'utf8').replace(/.*Permission denied\n/, ''), 'm1\nafter\n');
      assert.match(readFileSync(c.out, 'utf8'), /Permission denied/);
      assert.equal(rt.run(['delete', id]).status, 0);
      await agentDone;
      assert.match(out, /^ready\n[1-9]\d*\n$/, 'the agent answered the mkdir');
      const msg = JSON.parse(readFileSync(msgFile, 'utf8'));
      assert.match(msg.ociVersion, /^1\./);
      assert.deepEqual(msg.fds, ['seccompFd']);
      assert.equal(msg.pid, pid);
      assert.equal(msg.metadata, 'meta "quoted"');
      assert.equal(msg.state.id, id);
      assert.equal(msg.state.pid, pid);
    } finally {
      agent.kill();
    }
  });
});
