/**
 * Unpack benchmark: umoci unpack vs hull unpack of the debian:bench fixture
 * (scripts/fixtures/debian-image.sh) into a fresh bundle, alternating between the tools.
 * Usage: node dist/bench/unpack.js [--runs N (≥ 5, default 5)] [--tmpfs]
 *   --tmpfs  write bundles to a tmpfs mounted for the run: ext4 file creation on the VMs is noisy.
 * Needs root (the fixture and umoci unpack without --rootless).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debianImage, debianTag } from '../test/helpers/debian.js';
import { repoRoot } from '../test/helpers/fixtures.js';
import { alternate, type Tool } from './lib/alternate.js';
import { imageSizes } from './lib/oci.js';
import { flag, run, scratchDir } from './lib/sys.js';
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

const scratch = scratchDir({ tmpfs, prefix: 'hull-bench-unpack-' });
console.log(`bundles in ${scratch.dir}${tmpfs ? ' (tmpfs)' : ''}`);

// Each run unpacks into a path that doesn't exist yet (umoci refuses non-empty bundles).
const unpacker = (name: string, argsFor: (bundle: string) => [string, string[]]): Tool<string> => ({
  name,
  setup: (i) => join(scratch.dir, `${name}-${i}`),
  run: (bundle) => run(...argsFor(bundle)),
  teardown: (bundle) => rmSync(bundle, { recursive: true, force: true }),
});

const tools = [unpacker('umoci', (b) => ['umoci', ['unpack', '--image', `${layout}:${debianTag}`, b]])];
const hullJs = join(repoRoot, 'dist/src/cli/hull.js');
if (existsSync(hullJs)) {
  tools.push(unpacker('hull', (b) => [join(repoRoot, 'bin/hull'), ['unpack', `oci:${layout}:${debianTag}`, b]]));
} else {
  console.log(`hull: ${hullJs} not built yet; running umoci only`);
}

try {
  const results = await alternate({
    tools,
    runs,
    onRun: (name, i, s) => console.log(`  run ${i + 1}/${runs} ${name}: ${s.toFixed(3)} s`),
    onError: (name, i, err) => console.log(`  run ${i + 1}/${runs} ${name} failed, dropping it: ${err.message}`),
  });
  console.log();
  console.log(resultsTable(results, sizes.tar));
  const by = (n: string) => results.find((r) => r.name === n);
  console.log(ratioLine(by('hull'), by('umoci'), 'hull/umoci', 0.2));
  if (results.some((r) => r.error)) process.exitCode = 1;
} finally {
  scratch.dispose();
}
