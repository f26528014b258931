/**
 * Terminals (config.md#process `terminal`, runc's --console-socket): the runtime opens a pty pair,
 * makes the slave the process's controlling terminal and stdio, applies consoleSize, and sends
 * the master over the console socket with SCM_RIGHTS. Node cannot receive SCM_RIGHTS, so the
 * receiver is python3's socket.recv_fds. Runs against runc too.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundle, isRunc, type Rt, runtime, skipUnlessRoot, stateOf, waitFor } from './helpers.js';

const RECEIVER = `
import socket, sys, os, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print('ready', flush=True)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 4096, 1)
m = fds[0]
if len(sys.argv) > 2: os.write(m, sys.argv[2].encode())
out = b''
while True:
    try:
        d = os.read(m, 4096)
    except OSError:
        break
    if not d: break
    out += d
print(json.dumps({'name': msg.decode(errors='replace'), 'nfds': len(fds), 'out': out.decode(errors='replace')}), flush=True)
`;

interface Received {
  name: string;
  nfds: number;
  out: string;
}

/** Starts a console-socket receiver; resolves once it listens. */
async function receiver(rt: Rt, name: string, input?: string): Promise<{ path: string; result: Promise<Received> }> {
  const script = join(rt.dir, 'recv.py');
  if (!existsSync(script)) writeFileSync(script, RECEIVER);
  const path = join(rt.dir, name);
  const p = spawn('python3', [script, path, ...(input ? [input] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  await waitFor(() => out.startsWith('ready\n'));
  const result = new Promise<Received>((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`receiver timed out: ${out}`));
    }, 20_000);
    p.once('exit', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice('ready\n'.length)));
      } catch (err) {
        reject(err);
      }
    });
  });
  return { path, result };
}

const withTerminal = (rows: number, cols: number) => (c: import('../../src/oci/runtime/types.js').RuntimeConfig) => {
  c.process!.terminal = true;
  c.process!.consoleSize = { height: rows, width: cols };
};

const tty1 = `tty1-${process.pid}`;
const tty2 = `tty2-${process.pid}`;

describe('runtime terminals', { skip: skipUnlessRoot }, () => {
  it('terminal: true without --console-socket is an error and leaves nothing behind', () => {
    const rt = runtime();
    const b = bundle(rt, ['true'], withTerminal(24, 80));
    const r = rt.run(['create', '--bundle', b, 'noconsole']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /console/i);
    assert.notEqual(rt.run(['state', 'noconsole']).status, 0);
  });

  it('create sends the pty master over the console socket; the slave is the stdio and ctty', async () => {
    const rt = runtime();
    const b = bundle(
      rt,
      ['sh', '-c', 'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; read x; echo got-$x'],
      withTerminal(30, 100),
    );
    const rx = await receiver(rt, 'console.sock', 'hello\n');
    const c = rt.run(['create', '--console-socket', rx.path, '--bundle', b, tty1]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(rt.run(['start', tty1]).status, 0);
    const got = await rx.result;
    assert.equal(got.nfds, 1);
    assert.ok(got.name.length > 0);
    const lines = got.out.replace(/\r/g, '').split('\n');
    assert.match(lines.find((l) => l.startsWith('/dev/')) ?? '', /^\/dev\/(pts\/\d+|console)$/);
    assert.ok(lines.includes('30 100'), got.out);
    assert.ok(lines.includes('all-tty'), got.out);
    assert.ok(lines.includes('got-hello'), got.out);
    await waitFor(() => stateOf(rt, tty1).status === 'stopped');
    assert.equal(rt.run(['delete', tty1]).status, 0);
  });

  it('exec --tty --console-socket gives the exec process a terminal', async () => {
    const rt = runtime();
    const b = bundle(rt, ['sleep', '100']);
    const out = join(rt.dir, 'c.out');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(out, 'w');
    assert.equal(rt.run(['create', '--bundle', b, tty2], { stdout: fd, stderr: fd }).status, 0);
    closeSync(fd);
    assert.equal(rt.run(['start', tty2]).status, 0);
    // runc takes --console-socket only with --detach (in the foreground it proxies the pty
    // itself); hull-runtime also accepts it in the foreground and then waits for the status.
    if (!isRunc) {
      const rx = await receiver(rt, 'exec.sock');
      const r = rt.run([
        'exec',
        '--tty',
        '--console-socket',
        rx.path,
        tty2,
        'sh',
        '-c',
        'tty; [ -t 0 ] && echo in-tty; exit 5',
      ]);
      assert.equal(r.status, 5, r.stderr);
      const got = await rx.result;
      assert.equal(got.nfds, 1);
      assert.match(got.out, /\/dev\/pts\/\d+\r?\n/);
      assert.match(got.out, /in-tty/);
    }
    // Detached: the exec returns, the process keeps running on the pty.
    const rx2 = await receiver(rt, 'exec2.sock');
    const d = rt.run([
      'exec',
      '--detach',
      '--tty',
      '--console-socket',
      rx2.path,
      tty2,
      'sh',
      '-c',
      'sleep 0.3; tty; echo later',
    ]);
    assert.equal(d.status, 0, d.stderr);
    const got2 = await rx2.result;
    assert.match(got2.out, /\/dev\/pts\/\d+\r?\nlater/);
    assert.equal(rt.run(['delete', '--force', tty2]).status, 0);
  });
});
