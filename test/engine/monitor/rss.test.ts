/**
 * Memory per running container: hull-monitor against conmon (podman's monitor), each holding a
 * sleeping busybox container. podman runs on a private store (vfs, cgroupfs, file events) with
 * runc, the image imported by `hull import` into an oci: layout. Both resident set sizes are
 * reported; the guard is that hull-monitor's VmRSS and its private (anonymous) memory are below
 * conmon's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { busyboxRootfs, tempDir } from '../../helpers/fixtures.js';
import { ok, run } from '../../helpers/run.js';
import { box, created, start } from './helpers.js';

const hasPodman = spawnSync('podman', ['--version']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasPodman ? 'podman is not installed' : false;
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

function memory(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

/** The conmon whose command line names this container. */
function conmonOf(ctr: string): number | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'conmon') continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(ctr)) return Number(p);
    } catch {}
  }
  return undefined;
}

/** Pids of processes whose command line contains `text`. */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) pids.push(Number(p));
    } catch {}
  }
  return pids;
}

describe('monitor memory', { skip }, () => {
  it('hull-monitor holds a sleeping container in less memory than conmon', async (t) => {
    const bx = box('library', ['sleep', '1000']);
    await created(bx);
    start(bx);
    const hull = memory(Number(readFileSync(join(bx.dir, 'monitor.pid'), 'utf8')));

    let dir = '';
    const podman = (args: string[]) =>
      run('podman', [
        '--root',
        join(dir, 'root'),
        '--runroot',
        join(dir, 'runroot'),
        '--storage-driver',
        'vfs',
        '--runtime',
        'runc',
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'file',
        ...args,
      ]);
    // Registered before tempDir's cleanup (after hooks run in order): containers go before the store.
    // podman's exit command (`podman container cleanup`, started by conmon) may still be writing
    // in the store after rm returns: wait until no process names the store (at most 5 s).
    after(async () => {
      podman(['rm', '-af', '-t', '0']);
      for (let i = 0; i < 50 && processesNaming(dir).length; i++) await new Promise((r) => setTimeout(r, 100));
    });
    dir = tempDir('hull-rss-podman-');
    // podman names an oci: image after the layout's path, which must be lowercase.
    const layout = join(tmpdir(), `hull-rss-oci-${process.pid}`);
    after(() => rmSync(layout, { recursive: true, force: true }));
    ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bb`, '--cmd', 'sh']);
    const pulled = podman(['pull', '-q', `oci:${layout}:bb`]);
    assert.equal(pulled.status, 0, pulled.stderr);
    const image = pulled.stdout.trim().split('\n').pop() as string;
    const d = podman(['run', '-d', ...ULIMITS, '--network', 'none', image, 'sleep', '1000']);
    assert.equal(d.status, 0, d.stderr);
    const conmonPid = conmonOf(d.stdout.trim());
    assert.ok(conmonPid, 'conmon is running');
    const conmon = memory(conmonPid);

    t.diagnostic(
      `hull-monitor VmRSS ${hull.rss} kB (anon ${hull.anon} kB); conmon VmRSS ${conmon.rss} kB (anon ${conmon.anon} kB)`,
    );
    assert.ok(hull.rss < conmon.rss, `hull-monitor ${hull.rss} kB >= conmon ${conmon.rss} kB`);
    assert.ok(hull.anon < conmon.anon, `hull-monitor anon ${hull.anon} kB >= conmon ${conmon.anon} kB`);
  });
});
