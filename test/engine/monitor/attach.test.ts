/**
 * Attach through the monitor's socket, through the runtime library, runc and crun: a client
 * gets the container's live output on the right streams and delivers stdin (closing it when
 * its input ends); output from before the client came is only in the log; with
 * process.terminal the pty master arrives on the console socket, the output is the pty's, and
 * resize reaches the container's terminal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { attach, readExit, readLogs, resize } from '../../../src/engine/monitor/index.js';
import { type Box, box, created, kindSkip, kinds, start, waitFor } from './helpers.js';

class Sink extends PassThrough {
  text = '';
  constructor() {
    super();
    this.on('data', (d: Buffer) => {
      this.text += d.toString();
    });
  }
}

/** Attach before start (as the engine does), then start. */
async function attachAndStart(bx: Box, io: { stdin?: PassThrough; tty?: boolean; closeStdin?: boolean }) {
  const stdout = new Sink();
  const stderr = new Sink();
  let attached!: () => void;
  const ready = new Promise<void>((r) => {
    attached = r;
  });
  const done = attach(bx.dir, { ...io, stdout, stderr, onAttached: attached });
  await ready;
  start(bx);
  return { stdout, stderr, done };
}

for (const kind of kinds) {
  describe(`monitor attach (${kind})`, { skip: kindSkip(kind) }, () => {
    it('gets live stdout and stderr and delivers stdin; ends when the container exits', async () => {
      const bx = box(kind, ['sh', '-c', 'echo ready; read line; echo got:$line; echo oops >&2; exit 3'], {
        stdin: true,
      });
      await created(bx);
      const stdin = new PassThrough();
      const a = await attachAndStart(bx, { stdin });
      await waitFor(() => a.stdout.text.includes('ready\n'));
      stdin.write('hello\n');
      await a.done;
      assert.equal(a.stdout.text, 'ready\ngot:hello\n');
      assert.equal(a.stderr.text, 'oops\n');
      assert.equal(readExit(bx.dir)?.code, 3, 'the exit file is written before attach clients are closed');
    });

    it('closes the container’s stdin when the client’s input ends', async () => {
      const bx = box(kind, ['sh', '-c', 'cat; echo eof'], { stdin: true });
      await created(bx);
      const stdin = new PassThrough();
      const a = await attachAndStart(bx, { stdin });
      stdin.end('abc\nlast line without newline');
      await a.done;
      assert.equal(a.stdout.text, 'abc\nlast line without newlineeof\n');
      assert.equal(readExit(bx.dir)?.code, 0);
    });

    it('output from before a client attached is only in the log', async () => {
      const bx = box(kind, ['sh', '-c', 'echo early; read x; echo late'], { stdin: true });
      await created(bx);
      start(bx);
      await waitFor(() => readFileSync(join(bx.dir, 'ctr.log'), 'utf8').includes('early'));
      const stdin = new PassThrough();
      const stdout = new Sink();
      let attached!: () => void;
      const ready = new Promise<void>((r) => {
        attached = r;
      });
      const done = attach(bx.dir, { stdin, stdout, stderr: new Sink(), onAttached: attached });
      await ready;
      stdin.write('\n');
      await done;
      assert.equal(stdout.text, 'late\n');
      const logged: string[] = [];
      for await (const e of readLogs(bx.dir, {})) logged.push(e.data.toString());
      assert.deepEqual(logged, ['early\n', 'late\n']);
      // After the exit: nothing to attach to, and no error.
      await attach(bx.dir, { stdout: new Sink(), stderr: new Sink() });
    });

    it('terminal: the pty arrives on the console socket; its output is logged; resize reaches the container', async () => {
      const bx = box(
        kind,
        ['sh', '-c', 'stty size; tty; read x; stty size; echo bye'],
        { stdin: true, terminal: true },
        (c) => {
          c.process!.terminal = true;
          c.process!.consoleSize = { height: 24, width: 80 };
        },
      );
      await created(bx);
      const stdin = new PassThrough();
      const a = await attachAndStart(bx, { stdin, tty: true });
      await waitFor(() => /\/dev\/\S+\r\n/.test(a.stdout.text));
      resize(bx.dir, 30, 100);
      stdin.write('\n');
      await a.done;
      // A pty turns \n into \r\n (onlcr) and echoes the input.
      assert.match(a.stdout.text, /^24 80\r\n\/dev\/(pts\/\d+|console)\r\n\r\n30 100\r\nbye\r\n$/);
      assert.equal(a.stderr.text, '');
      const logged: string[] = [];
      for await (const e of readLogs(bx.dir, {})) {
        assert.equal(e.stream, 'stdout');
        logged.push(e.data.toString());
      }
      assert.equal(logged.join(''), a.stdout.text);
      assert.equal(readExit(bx.dir)?.code, 0);
    });
  });
}
