/**
 * Unpack benchmark: umoci unpack vs hull unpack of the debian:bench fixture
 * (scripts/fixtures/debian-image.sh) into a fresh bundle, alternating between the tools.
 * Usage: node dist/bench/unpack.js [--runs N (≥ 5, default 5)] [--tmpfs]
 *   --tmpfs  write bundles to a tmpfs mounted for the run: ext4 file creation on the VMs is noisy.
 * Needs root (the fixture and umoci unpack without --rootless).
 *
 * On ext4, bundles are NOT deleted between runs: every run unpacks into its own fresh directory,
 * and all of them are deleted once, at the end. On ext4 here, creating inodes within ~30 s of
 * deleting thousands of them hits a kernel slow path (seconds of sys time in inode allocation),
 * so a per-run teardown made every run after the first measure the previous run's deletion
 * rather than the tool. The price is disk space (runs × tools bundles, checked before starting).
 *
 * On tmpfs each bundle is deleted right after its run (untimed). Kept, they filled the tmpfs
 * with a fresh ~150 MB per run, and the later runs of both tools paid for memory this VM had
 * never touched before (sys time doubled from about the ninth run on, hull's runs 0.62 → 0.92 s):
 * the hypervisor's first touch, not the tool. Freed, every run writes into pages already in use.
 *
 * Reported per tool: wall time (median, min, max) and the CPU time (user + sys) of the tool's
 * process tree — on a 2-core VM, CPU is the real budget.
 */
import { existsSync, rmSync } from 'node:fs';
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
  console.error('usage: node dist/bench/unpack.js [--runs N (N ≥ 5)] [--tmpfs]');
  process.exit(2);
}
const tmpfs = flag(argv, 'tmpfs') !== undefined;

console.log('fixture: building or reusing the debian:bench image (first build takes about a minute)');
const layout = debianImage();
const sizes = await imageSizes(layout, debianTag);
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(`image: ${layout}:${debianTag}, ${mb(sizes.compressed)} MB gzip, ${mb(sizes.tar)} MB tar`);

const hullJs = join(repoRoot, 'dist/src/cli/hull.js');
const haveHull = existsSync(hullJs);
// A bundle: budget one tar's worth plus 4 KiB per entry (~6.5k) and
// a quarter on top for directories and block rounding.
const perBundle = Math.ceil((sizes.tar + 8000 * 4096) * 1.25);
const need = (tmpfs ? 2 : runs * (haveHull ? 2 : 1)) * perBundle;
const scratch = scratchDir({ tmpfs, prefix: 'hull-bench-unpack-', size: `${Math.ceil(need / 2 ** 20) + 256}m` });
const free = tmpfs ? Math.min(freeBytes(scratch.dir), freemem()) : freeBytes(scratch.dir);
if (free < need) {
  console.error(`need about ${mb(need)} MB free for ${runs} runs' bundles in ${scratch.dir}, have ${mb(free)} MB`);
  scratch.dispose();
  process.exit(1);
}
console.log(`bundles in ${scratch.dir}${tmpfs ? ' (tmpfs)' : ''}, ${mb(free)} MB free, up to ${mb(need)} MB used`);
if (tmpfs) console.log('each run unpacks into a fresh directory, deleted after the run (untimed)');
else {
  console.log('each run unpacks into a fresh directory; bundles are kept until the end and deleted once then');
  console.log("(deleting between runs makes ext4 pay for it in the next run's inode allocation)");
}

// Each run unpacks into a path that doesn't exist yet (umoci refuses non-empty bundles).
const unpacker = (name: string, argsFor: (bundle: string) => [string, string[]]): Tool<string> => ({
  name,
  setup: (i) => join(scratch.dir, `${name}-${i}`),
  run: (bundle) => run(...argsFor(bundle)),
  teardown: tmpfs ? (bundle) => rmSync(bundle, { recursive: true, force: true }) : undefined,
});

const tools = [unpacker('umoci', (b) => ['umoci', ['unpack', '--image', `${layout}:${debianTag}`, b]])];
if (haveHull) {
  tools.push(unpacker('hull', (b) => [join(repoRoot, 'bin/hull'), ['unpack', `oci:${layout}:${debianTag}`, b]]));
} else {
  console.log(`hull: ${hullJs} not built yet; running umoci only`);
}

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
  console.log(resultsTable(results, sizes.tar));
  const by = (n: string) => results.find((r) => r.name === n);
  console.log(ratioLine(by('hull'), by('umoci'), 'hull/umoci', 0.2));
  if (results.some((r) => r.error)) process.exitCode = 1;
} finally {
  console.log(`deleting the bundles in ${scratch.dir}`);
  scratch.dispose();
}
