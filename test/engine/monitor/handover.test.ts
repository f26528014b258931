/**
 * The monitor's handover (native/hull-monitor/attach.c, src/engine/monitor/attach.ts): an attach
 * client that said it releases the container itself (the foreground `hull run`) gets the exit
 * instead of EOF; once its release resolves the monitor ends without starting its exit command,
 * and whenever the release fails or the client goes away first, the exit command runs after all.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { attach, monitorAlive, readExit } from '../../../src/engine/monitor/index.js';
import { box, created, kindSkip, start, waitFor } from './helpers.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** A box whose exit command leaves a marker file (in the box's temp dir); the marker's path. */
function marked(kind: 'library' | 'runc', args: string[]) {
  const bx = box(kind, args, { exitCommand: ['sh', '-c', 'echo ran > "$0.tmp" && mv "$0.tmp" "$0"'] });
  const marker = join(bx.rt.dir, `exit-command-ran-${bx.id}`);
  bx.mon.exitCommand?.push(marker);
  return { bx, marker };
}

/** The monitor has exited; an exit command it started has had a moment to leave its marker. */
async function monitorGone(dir: string): Promise<void> {
  await waitFor(() => !monitorAlive(dir) && !existsSync(join(dir, 'attach')));
  await new Promise((r) => setTimeout(r, 500));
}

for (const kind of ['library', 'runc'] as const) {
  describe(`monitor handover (${kind})`, { skip: kindSkip(kind) }, () => {
    it('the owner releases after the exit file exists, with its code; then no exit command runs', async () => {
      const { bx, marker } = marked(kind, ['sh', '-c', 'echo out; exit 7']);
      await created(bx);
      const stdout = new Sink();
      let seen: { code: number; exitFile?: number; output: string } | undefined;
      let attached!: () => void;
      const ready = new Promise<void>((r) => {
        attached = r;
      });
      const done = attach(bx.dir, {
        stdout,
        stderr: new Sink(),
        onAttached: () => attached(),
        release: async (code) => {
          seen = { code, exitFile: readExit(bx.dir)?.code, output: stdout.text };
        },
      });
      await ready;
      start(bx);
      await done;
      assert.deepEqual(seen, { code: 7, exitFile: 7, output: 'out\n' });
      await monitorGone(bx.dir);
      assert.equal(existsSync(marker), false, 'the exit command did not run');
    });

    it('input that arrives after the release (the container is gone) is dropped, not an error', async () => {
      const bx = box(kind, ['true'], { stdin: true });
      await created(bx);
      const stdin = new PassThrough();
      let attached!: () => void;
      const ready = new Promise<void>((r) => {
        attached = r;
      });
      const done = attach(bx.dir, {
        stdin,
        stdout: new Sink(),
        stderr: new Sink(),
        onAttached: () => attached(),
        release: async () => {
          // Typed just as the release ends our side of the socket (`hull run -it`).
          setImmediate(() => {
            stdin.write('late\n');
            stdin.end();
          });
        },
      });
      await ready;
      start(bx);
      await done; // rejected with "write after end" before the fix
    });

    it('a release that fails leaves the container to the exit command', async () => {
      const { bx, marker } = marked(kind, ['true']);
      await created(bx);
      let attached!: () => void;
      const ready = new Promise<void>((r) => {
        attached = r;
      });
      const done = attach(bx.dir, {
        stdout: new Sink(),
        stderr: new Sink(),
        onAttached: () => attached(),
        release: async () => {
          throw new Error('cannot release');
        },
      });
      await ready;
      start(bx);
      await done;
      await waitFor(() => existsSync(marker));
      assert.equal(readFileSync(marker, 'utf8'), 'ran\n');
    });

    it('an owner that goes away before the exit: the exit command runs', async () => {
      const { bx, marker } = marked(kind, ['true']);
      await created(bx);
      // A client that says "owner" (type 4, empty) and hangs up, as a killed `hull run` would.
      await new Promise<void>((resolve, reject) => {
        const s = connect(join(bx.dir, 'attach'), () => s.end(Buffer.from([4, 0, 0, 0, 0])));
        s.on('error', reject);
        s.on('close', () => resolve());
      });
      start(bx);
      await waitFor(() => existsSync(marker));
      assert.equal(readExit(bx.dir)?.code, 0);
    });

    it('a client that is not the owner still sees EOF at the exit, and the exit command runs', async () => {
      const { bx, marker } = marked(kind, ['sh', '-c', 'echo plain']);
      await created(bx);
      const stdout = new Sink();
      let attached!: () => void;
      const ready = new Promise<void>((r) => {
        attached = r;
      });
      const done = attach(bx.dir, { stdout, stderr: new Sink(), onAttached: () => attached() });
      await ready;
      start(bx);
      await done;
      assert.equal(stdout.text, 'plain\n');
      await waitFor(() => existsSync(marker));
    });
  });
}
