/**
 * Container start-up benchmark: create + start + wait + delete of a busybox `true`, hull-runtime
 * vs runc, alternating (bench/lib/alternate.ts), with per-phase medians, the ratio, and
 * `node -e 0` as the floor any Node CLI pays per invocation (hull-runtime is invoked 3 times per
 * cycle: create, start, delete; `state` polling for the exit is timed in "wait").
 * Usage: node dist/bench/runtime.js [--runs N (≥ 20, default 20)]. Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec } from '../src/image/bundle/default-spec.js';
import { busyboxRootfs, repoRoot } from '../test/helpers/fixtures.js';
import { alternate, type Tool } from './lib/alternate.js';
import { median } from './lib/stats.js';
import { flag } from './lib/sys.js';
import { formatTable, ratioLine, resultsTable } from './lib/table.js';

const argv = process.argv.slice(2);
const runs = Number(flag(argv, 'runs') ?? 20);
if (!Number.isInteger(runs) || runs < 20) {
  console.error('usage: node dist/bench/runtime.js [--runs N (N ≥ 20)]');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'hull-bench-rt-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const bundle = join(work, 'bundle');
mkdirSync(bundle);
execFileSync('cp', ['-a', busyboxRootfs(), join(bundle, 'rootfs')]);
const spec = defaultSpec({ terminal: false });
spec.process!.args = ['true'];
writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));

const phases = ['create', 'start', 'wait', 'delete'] as const;
type Phase = (typeof phases)[number];
const perPhase = new Map<string, Record<Phase, number[]>>();

/** `quiet`: the container inherits create's stdio, so a pipe there would hold spawnSync until it exits. */
function sh(bin: string, args: string[], quiet = false): string {
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    stdio: ['ignore', quiet ? 'ignore' : 'pipe', quiet ? 'ignore' : 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function cycle(name: string, bin: string, root: string, id: string): void {
  const rec = perPhase.get(name) ?? { create: [], start: [], wait: [], delete: [] };
  perPhase.set(name, rec);
  let t = performance.now();
  const lap = (p: Phase) => {
    const now = performance.now();
    rec[p].push((now - t) / 1000);
    t = now;
  };
  sh(bin, ['--root', root, 'create', '--bundle', bundle, id], true);
  lap('create');
  sh(bin, ['--root', root, 'start', id]);
  lap('start');
  while (!sh(bin, ['--root', root, 'state', id]).includes('"stopped"'));
  lap('wait');
  sh(bin, ['--root', root, 'delete', id]);
  lap('delete');
}

const tool = (name: string, bin: string): Tool<string> => ({
  name,
  setup: (i) => `b${i}`,
  run: (id) => cycle(name, bin, join(work, `root-${name}`), id),
});

const hullBin = join(repoRoot, 'bin', 'hull-runtime');
const results = await alternate({
  tools: [tool('hull-runtime', hullBin), tool('runc', 'runc')],
  runs,
  between: () => {},
  onError: (name, run, err) => console.error(`${name} run ${run}: ${err.message}`),
});
const floor: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  execFileSync(process.execPath, ['-e', '0']);
  floor.push((performance.now() - t) / 1000);
}

console.log(resultsTable(results));
console.log();
console.log(
  formatTable(
    ['tool', ...phases.map((p) => `${p} ms`)],
    [...perPhase].map(([name, rec]) => [name, ...phases.map((p) => (median(rec[p]) * 1000).toFixed(1))]),
  ),
);
console.log();
console.log(ratioLine(results[0], results[1], 'hull-runtime/runc', 2));
console.log(
  `floor: node -e 0 median ${(median(floor) * 1000).toFixed(1)} ms (hull-runtime pays it on every invocation)`,
);
