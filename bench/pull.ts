/**
 * Pull benchmark: hull pull vs podman pull of the debian:bench fixture (3 gzip layers, ~56 MB
 * compressed, ~141 MB of tar; scripts/fixtures/debian-image.sh) from a local `hull registry
 * serve` on 127.0.0.1, alternating between the tools (issue 5: hull ≤ half of podman's time).
 * Usage: node dist/bench/pull.js [--runs N (≥ 5, default 5)] [--tmpfs]
 *   --tmpfs  keep both tools' stores on a tmpfs mounted for the run (ext4 inode creation is noisy here).
 * Needs root (the fixture; podman's overlay driver).
 *
 * Each run pulls into a fresh store that is never deleted before the end (a fresh --root for
 * hull, a fresh --root/--runroot for podman, overlay driver): as in bench/unpack.ts, deleting
 * thousands of inodes right before a run makes ext4 charge that run for it. Both tools verify
 * digests and unpack every layer; podman is told --tls-verify=false, hull treats loopback as
 * insecure by default (as docker does).
 */
import { existsSync } from 'node:fs';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { debianImage, debianTag } from '../test/helpers/debian.js';
import { repoRoot } from '../test/helpers/fixtures.js';
import { alternate, type Tool } from './lib/alternate.js';
import { imageSizes } from './lib/oci.js';
import { flag, freeBytes, run, scratchDir } from './lib/sys.js';
import { ratioLine, resultsTable } from './lib/table.js';

const argv = process.argv.slice(2);
const runs = Number(flag(argv, 'runs') ?? 5);
if (!Number.isInteger(runs) || runs < 5) {
  console.error('usage: node dist/bench/pull.js [--runs N (N ≥ 5)] [--tmpfs]');
  process.exit(2);
}
const tmpfs = flag(argv, 'tmpfs') !== undefined;
const hullBin = join(repoRoot, 'bin/hull');
if (!existsSync(join(repoRoot, 'dist/src/cli/hull.js'))) {
  console.error('hull is not built (npm run build)');
  process.exit(1);
}

console.log('fixture: building or reusing the debian:bench image (first build takes about a minute)');
const layout = debianImage();
const sizes = await imageSizes(layout, debianTag);
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(`image: ${layout}:${debianTag}, ${mb(sizes.compressed)} MB gzip, ${mb(sizes.tar)} MB tar`);

// Each run keeps its store (blobs + unpacked layers) until the end.
const perStore = Math.ceil((sizes.compressed + sizes.tar + 8000 * 4096) * 1.25);
const need = runs * 2 * perStore + 512 * 2 ** 20;
const scratch = scratchDir({ tmpfs, prefix: 'hull-bench-pull-', size: `${Math.ceil(need / 2 ** 20) + 256}m` });
const free = tmpfs ? Math.min(freeBytes(scratch.dir), freemem()) : freeBytes(scratch.dir);
if (free < need) {
  console.error(`need about ${mb(need)} MB free in ${scratch.dir}, have ${mb(free)} MB`);
  scratch.dispose();
  process.exit(1);
}

// The registry: hull registry serve on an ephemeral loopback port, the image pushed once.
const { spawn } = await import('node:child_process');
const { createInterface } = await import('node:readline');
const registry = spawn(
  process.execPath,
  [hullBin, 'registry', 'serve', '--root', join(scratch.dir, 'registry'), '--addr', '127.0.0.1:0', '--quiet'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: registry.stderr! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) resolve(entry.url);
    } catch {
      // not a log line
    }
  });
  registry.once('exit', (code) => reject(new Error(`registry exited ${code}`)));
});
const host = new URL(url).host;
const ref = `${host}/debian:bench`;
run(hullBin, ['copy', '--dest-tls-verify=false', `oci:${layout}:${debianTag}`, `docker://${ref}`]);
console.log(`registry: hull registry serve at ${url}, image ${ref}`);
console.log(`stores in ${scratch.dir}${tmpfs ? ' (tmpfs)' : ''}; kept until the end`);

const tools: Tool<string>[] = [
  {
    name: 'podman',
    setup: (i) => join(scratch.dir, `podman-${i}`),
    run: (dir) =>
      run('podman', [
        '--root',
        join(dir, 'root'),
        '--runroot',
        join(dir, 'runroot'),
        '--storage-driver',
        'overlay',
        'pull',
        '-q',
        '--tls-verify=false',
        ref,
      ]),
  },
  {
    name: 'hull',
    setup: (i) => join(scratch.dir, `hull-${i}`),
    run: (dir) => run(hullBin, ['pull', '-q', '--root', dir, ref]),
  },
];

try {
  const results = await alternate({
    tools,
    runs,
    onRun: (name, i, s, cpu) =>
      console.log(
        `  run ${i + 1}/${runs} ${name}: ${s.toFixed(3)} s wall, ${(cpu.user + cpu.sys).toFixed(2)} s cpu (${cpu.user.toFixed(2)} user + ${cpu.sys.toFixed(2)} sys)`,
      ),
    onError: (name, i, err) => console.log(`  run ${i + 1}/${runs} ${name} failed, dropping it: ${err.message}`),
  });
  console.log();
  console.log(resultsTable(results, sizes.compressed));
  const by = (n: string) => results.find((r) => r.name === n);
  console.log(ratioLine(by('hull'), by('podman'), 'hull/podman', 0.5));
  if (results.some((r) => r.error)) process.exitCode = 1;
} finally {
  registry.kill();
  // podman's overlay driver leaves mounts under its root only while containers run; none do here.
  console.log(`deleting the stores in ${scratch.dir}`);
  scratch.dispose();
}
