/**
 * The monitor's log and exit file, for containers created through the runtime library, runc and
 * through runc: output lands in ctr.log in docker's json-file or the CRI's k8s-file format, the
 * exit code is recorded after the creating process has exited, ctr.log rotates at its size cap,
 * and readLogs reads it back (tail, since, timestamps, follow across rotations).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type LogEntry, monitorAlive, readExit, readLogs } from '../../../src/engine/monitor/index.js';
import { box, cli, created, createFromChild, kindSkip, kinds, start, waitFor } from './helpers.js';

async function all(it: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function text(entries: LogEntry[], stream?: 'stdout' | 'stderr'): string {
  return Buffer.concat(entries.filter((e) => !stream || e.stream === stream).map((e) => e.data)).toString();
}

for (const kind of kinds) {
  describe(`monitor logs (${kind})`, { skip: kindSkip(kind) }, () => {
    it('json-file: output lands in ctr.log and the exit code is recorded after the creating process exited', async () => {
      const bx = box(kind, ['sh', '-c', 'echo out; echo "err \\"q\\"" >&2; printf partial; exit 7'], {
        logDriver: 'json-file',
      });
      const r = createFromChild(bx);
      assert.ok(r.ok, r.error ?? r.stderr);
      // The creator is gone; the monitor holds the container.
      assert.equal(monitorAlive(bx.dir), true);
      assert.equal(readExit(bx.dir), undefined);
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      const ex = readExit(bx.dir)!;
      assert.equal(ex.code, 7);
      assert.match(ex.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      const lines = readFileSync(join(bx.dir, 'ctr.log'), 'utf8').trimEnd().split('\n');
      const docs = lines.map((l) => JSON.parse(l));
      for (const d of docs) {
        assert.deepEqual(Object.keys(d), ['log', 'stream', 'time'], 'docker json-file keys');
        assert.match(d.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      }
      assert.deepEqual(
        docs.filter((d) => d.stream === 'stdout').map((d) => d.log),
        ['out\n', 'partial'],
      );
      assert.deepEqual(
        docs.filter((d) => d.stream === 'stderr').map((d) => d.log),
        ['err "q"\n'],
      );
      const entries = await all(readLogs(bx.dir, {}));
      assert.equal(text(entries, 'stdout'), 'out\npartial');
      assert.equal(text(entries, 'stderr'), 'err "q"\n');
      // Gone once the exit is recorded: no live monitor, its sockets removed.
      await waitFor(() => !monitorAlive(bx.dir));
      assert.equal(existsSync(join(bx.dir, 'attach')), false);
      assert.equal(existsSync(join(bx.dir, 'monitor.pid')), false);
    });

    it('k8s-file: CRI lines, F for whole lines and P for a partial one; a signal is 128+N', async () => {
      const bx = box(kind, ['sh', '-c', 'echo one; printf "two"; echo bad >&2; exec sleep 100'], {
        logDriver: 'k8s-file',
      });
      await created(bx);
      start(bx);
      await waitFor(() => readFileSync(join(bx.dir, 'ctr.log'), 'utf8').includes('bad'));
      // From outside: a pid namespace's init ignores SIGKILL sent from inside it.
      assert.equal(cli(bx, ['kill', bx.id, 'KILL']).status, 0);
      await waitFor(() => readExit(bx.dir) !== undefined);
      assert.equal(readExit(bx.dir)?.code, 137);
      const lines = readFileSync(join(bx.dir, 'ctr.log'), 'utf8').trimEnd().split('\n');
      const ts = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z';
      const out = lines.filter((l) => l.includes(' stdout '));
      assert.equal(out.length, 2, lines.join('\n'));
      assert.match(out[0]!, new RegExp(`^${ts} stdout F one$`));
      assert.match(out[1]!, new RegExp(`^${ts} stdout P two$`));
      assert.match(lines.find((l) => l.includes(' stderr '))!, new RegExp(`^${ts} stderr F bad$`));
      const entries = await all(readLogs(bx.dir, {}));
      assert.equal(text(entries, 'stdout'), 'one\ntwo');
      assert.equal(text(entries, 'stderr'), 'bad\n');
    });

    it('rotates ctr.log at the size cap, keeping max-files files, and readLogs reads them in order', async () => {
      // 300 lines of ~70 bytes in json-file: well over 3 × 2 KiB.
      const bx = box(kind, ['sh', '-c', 'i=1; while [ $i -le 300 ]; do echo "line $i"; i=$((i+1)); done'], {
        logMaxSize: 2048,
        logMaxFiles: 3,
      });
      await created(bx);
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      const logs = readdirSync(bx.dir)
        .filter((n) => n.startsWith('ctr.log'))
        .sort();
      assert.deepEqual(logs, ['ctr.log', 'ctr.log.1', 'ctr.log.2']);
      for (const f of logs) assert.ok(statSync(join(bx.dir, f)).size <= 2048, `${f} is over the cap`);
      const got = text(await all(readLogs(bx.dir, {})))
        .trimEnd()
        .split('\n');
      // The newest lines, in order, without a gap, up to the last one.
      assert.equal(got.at(-1), 'line 300');
      const first = Number(got[0]?.split(' ')[1]);
      assert.ok(first > 1, 'older lines were rotated away');
      assert.deepEqual(
        got,
        Array.from({ length: 300 - first + 1 }, (_, i) => `line ${first + i}`),
      );
    });

    it('readLogs: tail, since and timestamps', async () => {
      const bx = box(kind, ['sh', '-c', 'echo a; echo b; sleep 0.1; echo c >&2; sleep 0.1; echo d']);
      await created(bx);
      start(bx);
      await waitFor(() => readExit(bx.dir) !== undefined);
      assert.deepEqual(
        (await all(readLogs(bx.dir, { tail: 2 }))).map((e) => `${e.stream}:${e.data}`),
        ['stderr:c\n', 'stdout:d\n'],
      );
      assert.deepEqual(await all(readLogs(bx.dir, { tail: 0 })), []);
      assert.equal((await all(readLogs(bx.dir, { tail: 100 }))).length, 4);
      assert.deepEqual(await all(readLogs(bx.dir, { since: new Date(Date.now() + 60_000) })), []);
      assert.equal((await all(readLogs(bx.dir, { since: new Date(Date.now() - 600_000) }))).length, 4);
      const stamped = await all(readLogs(bx.dir, { timestamps: true }));
      for (const e of stamped) assert.ok(e.data.toString().startsWith(`${e.time} `), e.data.toString());
    });

    it('readLogs follow: sees lines as they come, across rotations, and ends when the container exits', async () => {
      const bx = box(
        kind,
        ['sh', '-c', 'i=1; while [ $i -le 40 ]; do echo "line $i"; i=$((i+1)); sleep 0.02; done; exit 3'],
        { logMaxSize: 512, logMaxFiles: 50 },
      );
      await created(bx);
      const followed = all(readLogs(bx.dir, { follow: true }));
      start(bx);
      const got = text(await followed)
        .trimEnd()
        .split('\n');
      assert.deepEqual(
        got,
        Array.from({ length: 40 }, (_, i) => `line ${i + 1}`),
      );
      assert.equal(readExit(bx.dir)?.code, 3);
      assert.ok(existsSync(join(bx.dir, 'ctr.log.1')), 'the log rotated while followed');
    });
  });
}
