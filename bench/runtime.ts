/**
 * Container start-up benchmark: create + start + wait + delete of a busybox `true`, hull-runtime
 * vs runc, alternating (bench/lib/alternate.ts), with per-phase medians, the ratio, and
 * `node -e 0` as the floor any Node CLI pays per invocation (hull-runtime is invoked 3 times per
 * cycle: create, start, delete; "wait" polls /proc for the pid that create --pid-file wrote, so
 * it costs neither runtime a start-up). The floor is measured with this environment as it is
 * and without NODE_EXTRA_CA_CERTS (bin/hull-runtime drops it: the runtime makes no TLS
 * connections); "cycle - 3 start-ups" subtracts three of the latter from hull-runtime's cycle.
 * That floor runs as a third tool in the alternation, so it sees the same load as the cycles it
 * is subtracted from (on a shared VM a floor measured afterwards can be off by 2x).
 * Usage: node dist/bench/runtime.js [--runs N (≥ 20, default 20)]. Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const pidFile = join(work, `${id}.pid`);
  sh(bin, ['--root', root, 'create', '--pid-file', pidFile, '--bundle', bundle, id], true);
  lap('create');
  sh(bin, ['--root', root, 'start', id]);
  lap('start');
  // The init is not our child (it is reparented once hull-init or runc exits): it is gone, or a
  // zombie about to be reaped, when /proc says so.
  const pid = readFileSync(pidFile, 'utf8').trim();
  for (;;) {
    let st = '';
    try {
      st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {}
    if (!st || /\) [ZX] /.test(st)) break;
  }
  lap('wait');
  sh(bin, ['--root', root, 'delete', id]);
  lap('delete');
}

const tool = (name: string, bin: string): Tool<string> => ({
  name,
  // Ids (and so default cgroup names) of this run only: other runs may share the host.
  setup: (i) => `bench-${process.pid}-${i}`,
  run: (id) => cycle(name, bin, join(work, `root-${name}`), id),
});

const hullBin = join(repoRoot, 'bin', 'hull-runtime');
const { NODE_EXTRA_CA_CERTS: _ca, ...noCa } = process.env;
const floorTool: Tool<void> = {
  name: 'node -e 0',
  run: () => execFileSync(process.execPath, ['-e', '0'], { env: noCa }),
};
const results = await alternate({
  tools: [tool('hull-runtime', hullBin), tool('runc', 'runc'), floorTool],
  runs,
  between: () => {},
  onError: (name, run, err) => console.error(`${name} run ${run}: ${err.message}`),
});
// With the environment as it is (NODE_EXTRA_CA_CERTS included): only printed, for comparison.
const floor: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  execFileSync(process.execPath, ['-e', '0']);
  floor.push((performance.now() - t) / 1000);
}
const floorNoCa = results.find((r) => r.name === 'node -e 0')?.times ?? [];

console.log(resultsTable(results));
console.log();
console.log(
  formatTable(
    ['tool', ...phases.map((p) => `${p} ms`)],
    [...perPhase].map(([name, rec]) => [name, ...phases.map((p) => (median(rec[p]) * 1000).toFixed(1))]),
  ),
);
console.log();
console.log(ratioLine(results[0], results[1], 'hull-runtime/runc', 3));
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(
  `floor: node -e 0 median ${ms(median(floorNoCa))} without NODE_EXTRA_CA_CERTS, alternated with the cycles${_ca ? `; ${ms(median(floor))} with it (set here), afterwards` : ''} (hull-runtime pays one per invocation)`,
);
const hull = results.find((r) => r.name === 'hull-runtime');
const runc = results.find((r) => r.name === 'runc');
if (hull && runc) {
  const hullMed = hull.median;
  const runcMed = runc.median;
  const less = hullMed - 3 * median(floorNoCa);
  console.log(
    `hull-runtime cycle ${ms(hullMed)} - 3 start-ups = ${ms(less)} vs runc cycle ${ms(runcMed)} (target ≤ runc); whole cycle ${(hullMed / runcMed).toFixed(2)}× runc (target ≤ 3×)`,
  );
}
