/**
 * Container run benchmark (issue 5): `hull run --rm --network none busybox true` vs
 * `podman run --rm --network none --runtime runc busybox true`, the same image already pulled,
 * alternating (bench/lib/alternate.ts), medians, the ratio (target: hull ≤ 0.5× podman), and
 * hull's time per phase (HULL_TRACE=1 marks, src/util/trace.ts). Then 50 detached `sleep 300`
 * containers started in a row with each tool: the total time, and the memory each running
 * container costs besides its own processes, hull-monitor's against conmon's (VmRSS from
 * /proc/PID/status, Pss from /proc/PID/smaps_rollup; target: less than conmon). Everything
 * made is removed at the end.
 * Usage: node dist/bench/run.js [--runs N (≥ 10, default 20)] [--detached N (default 50)]. Needs root.
 *
 * The image: busybox-static's root filesystem (test/helpers/fixtures.ts) made a one-layer image
 * by `hull import`. podman loads it from that oci: layout into a temp --root/--runroot (overlay
 * driver, vfs if overlay fails); hull pulls it from a `hull registry serve` on 127.0.0.1 into a
 * temp root (HULL_ROOT), `busybox` resolving through HULL_REGISTRIES. Both run the way a user's
 * shell would: bin/hull as a command (its sh part, NODE_EXTRA_CA_CERTS as the environment has
 * it), podman with the --ulimit flags this VM needs. Two untimed runs each first (hull writes
 * its code cache on the first run after a build, bin/hull-load.cjs).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { containerDir, enginePaths } from '../src/engine/paths.js';
import { busyboxRootfs, repoRoot } from '../test/helpers/fixtures.js';
import { alternate, type Tool } from './lib/alternate.js';
import { median } from './lib/stats.js';
import { flag, scratchDir } from './lib/sys.js';
import { formatTable, ratioLine, resultsTable } from './lib/table.js';

const argv = process.argv.slice(2);
const runs = Number(flag(argv, 'runs') ?? 20);
const detached = Number(flag(argv, 'detached') ?? 50);
if (!Number.isInteger(runs) || runs < 10 || !Number.isInteger(detached) || detached < 1) {
  console.error('usage: node dist/bench/run.js [--runs N (N ≥ 10)] [--detached N (N ≥ 1)]');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench/run needs root (containers, overlay mounts, cgroups)');
  process.exit(1);
}
const hullBin = join(repoRoot, 'bin', 'hull');
const bundle = join(repoRoot, 'dist', 'hull.cjs');
const modules = join(repoRoot, 'dist', 'src', 'cli', 'hull.js');
if (!existsSync(modules)) {
  console.error('hull is not built (npm run build)');
  process.exit(1);
}
if (!existsSync(bundle) || statSync(bundle).mtimeMs <= statSync(modules).mtimeMs) {
  console.log('warning: dist/hull.cjs is missing or older than dist/src: hull runs unbundled (npm run build)');
}

const scratch = scratchDir({ prefix: 'hull-bench-run-' });
const hullRoot = join(scratch.dir, 'hull-root');
const podmanDir = join(scratch.dir, 'podman');

/** Runs a command to completion; throws with its stderr when it fails. */
function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

let driver = 'overlay';
const podmanBase = () => [
  '--root',
  join(podmanDir, driver, 'root'),
  '--runroot',
  join(podmanDir, driver, 'runroot'),
  '--storage-driver',
  driver,
];
const hullIds: string[] = [];
const podmanIds: string[] = [];
let registry: ChildProcess | undefined;
const stopRegistry = () => {
  if (registry && registry.exitCode === null) registry.kill();
};
process.on('exit', stopRegistry);

interface Mem {
  rss: number;
  pss: number;
}
function memOf(pid: number): Mem {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (text: string, key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: kb(status, 'VmRSS'), pss: kb(rollup, 'Pss') };
}

function removeAll(): void {
  if (hullIds.length) {
    try {
      sh(hullBin, ['rm', '-f', ...hullIds.splice(0)], { ...process.env, HULL_ROOT: hullRoot });
    } catch (err) {
      console.log(`hull rm -f: ${(err as Error).message}`);
    }
  }
  if (podmanIds.length) {
    try {
      sh('podman', [...podmanBase(), 'rm', '-f', '-t', '0', ...podmanIds.splice(0)]);
    } catch (err) {
      console.log(`podman rm -f: ${(err as Error).message}`);
    }
  }
}

try {
  // --- the image, the registry, both stores ---------------------------------------------------
  // podman names an image pulled from oci:DIR after DIR, which must then be lower case (mkdtemp's
  // names are not).
  const layout = join(tmpdir(), `hull-bench-run-layout-${process.pid}`);
  process.on('exit', () => rmSync(layout, { recursive: true, force: true }));
  sh(hullBin, ['import', busyboxRootfs(), `oci:${layout}:latest`, '--cmd', 'sh']);

  registry = spawn(
    hullBin,
    ['registry', 'serve', '--root', join(scratch.dir, 'registry'), '--addr', '127.0.0.1:0', '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const registryUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: registry!.stderr! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    registry!.once('exit', (code) => reject(new Error(`hull registry serve exited ${code}`)));
  });
  const host = new URL(registryUrl).host;
  sh(hullBin, ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${host}/busybox:latest`]);
  const hullEnv = { ...process.env, HULL_ROOT: hullRoot, HULL_REGISTRIES: host };
  sh(hullBin, ['pull', '-q', 'busybox'], hullEnv);
  console.log(`image: busybox-static one-layer image; hull pulled it from ${registryUrl} into ${hullRoot}`);

  try {
    sh('podman', [...podmanBase(), 'pull', '-q', `oci:${layout}:latest`]);
  } catch (err) {
    console.log(`podman with the overlay driver failed (${(err as Error).message.split('\n')[0]}); using vfs`);
    driver = 'vfs';
    sh('podman', [...podmanBase(), 'pull', '-q', `oci:${layout}:latest`]);
  }
  const imageId = sh('podman', [...podmanBase(), 'images', '-q', '--no-trunc'])
    .stdout.trim()
    .split('\n')[0] as string;
  sh('podman', [...podmanBase(), 'tag', imageId, 'localhost/busybox:latest']);
  console.log(`podman: ${driver} driver, store in ${join(podmanDir, driver)}, busybox = localhost/busybox:latest`);
  const ulimits = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

  // --- 1. run --rm, alternating ---------------------------------------------------------------
  const hullRun = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
  const podmanRun = () => [
    ...podmanBase(),
    'run',
    '--rm',
    '--network',
    'none',
    '--runtime',
    'runc',
    ...ulimits,
    'busybox',
    'true',
  ];
  for (let i = 0; i < 2; i++) {
    sh(hullBin, hullRun, hullEnv);
    sh('podman', podmanRun());
  }

  /** hull's phase marks of one run (ms since its process started). */
  const marks = new Map<string, number[]>();
  const traceEnv = { ...hullEnv, HULL_TRACE: '1' };
  const tools: Tool[] = [
    {
      name: 'hull',
      run: () => {
        const { stderr } = sh(hullBin, hullRun, traceEnv);
        for (const line of stderr.split('\n')) {
          const m = /^hull-trace (\S+) (.+)$/.exec(line);
          if (!m) continue;
          const list = marks.get(m[2] as string) ?? [];
          list.push(Number(m[1]));
          marks.set(m[2] as string, list);
        }
      },
    },
    { name: 'podman', run: () => sh('podman', podmanRun()) },
  ];
  console.log(
    `\n1. ${runs} runs each of: hull ${hullRun.join(' ')}  vs  podman run --rm --network none --runtime runc … busybox true`,
  );
  const results = await alternate({
    tools,
    runs,
    between: () => {},
    onError: (name, i, err) => console.log(`  run ${i + 1} ${name} failed, dropping it: ${err.message}`),
  });
  console.log(resultsTable(results));
  const by = (n: string) => results.find((r) => r.name === n);
  console.log(ratioLine(by('hull'), by('podman'), 'hull/podman', 0.5));
  console.log('\nhull, where a run goes (median ms since the process started; + the step before):');
  let prev = 0;
  const phaseRows: string[][] = [];
  for (const [label, xs] of marks) {
    const at = median(xs);
    phaseRows.push([label, at.toFixed(1), `+${(at - prev).toFixed(1)}`]);
    prev = at;
  }
  const hullMedian = by('hull')?.median;
  if (hullMedian !== undefined)
    phaseRows.push([
      '(process gone, as the caller saw it)',
      (hullMedian * 1000).toFixed(1),
      `+${(hullMedian * 1000 - prev).toFixed(1)}`,
    ]);
  console.log(formatTable(['mark', 'ms', 'step ms'], phaseRows));

  // --- 2. N detached sleep 300 ----------------------------------------------------------------
  console.log(`\n2. ${detached} detached \`sleep 300\` containers started in a row with each tool`);
  const t0 = performance.now();
  for (let i = 0; i < detached; i++) {
    hullIds.push(sh(hullBin, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '300'], hullEnv).stdout.trim());
  }
  const hullTotal = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (let i = 0; i < detached; i++) {
    podmanIds.push(
      sh('podman', [
        ...podmanBase(),
        'run',
        '-d',
        '--network',
        'none',
        '--runtime',
        'runc',
        ...ulimits,
        'busybox',
        'sleep',
        '300',
      ]).stdout.trim(),
    );
  }
  const podmanTotal = (performance.now() - t1) / 1000;

  const monitorPids = hullIds.map((id) =>
    Number(readFileSync(join(containerDir(enginePaths(hullRoot), id), 'monitor.pid'), 'utf8')),
  );
  const conmonPids = podmanIds.map((id) =>
    Number(sh('podman', [...podmanBase(), 'inspect', '--format', '{{.State.ConmonPid}}', id]).stdout.trim()),
  );
  const hullMem = monitorPids.map(memOf);
  const conmonMem = conmonPids.map(memOf);
  const med = (xs: Mem[], k: keyof Mem) => median(xs.map((m) => m[k]));
  const kB = (n: number) => `${Math.round(n)} kB`;
  console.log(
    formatTable(
      ['tool', 'containers', 'total s', 'per container s', 'monitor', 'VmRSS', 'Pss'],
      [
        [
          'hull',
          String(detached),
          hullTotal.toFixed(2),
          (hullTotal / detached).toFixed(3),
          'hull-monitor',
          kB(med(hullMem, 'rss')),
          kB(med(hullMem, 'pss')),
        ],
        [
          'podman',
          String(detached),
          podmanTotal.toFixed(2),
          (podmanTotal / detached).toFixed(3),
          'conmon',
          kB(med(conmonMem, 'rss')),
          kB(med(conmonMem, 'pss')),
        ],
      ],
    ),
  );
  console.log(`ratio hull/podman, ${detached} starts: ${(hullTotal / podmanTotal).toFixed(2)} wall`);
  console.log(
    `ratio hull-monitor/conmon memory per running container: VmRSS ${(med(hullMem, 'rss') / med(conmonMem, 'rss')).toFixed(2)}, Pss ${(med(hullMem, 'pss') / med(conmonMem, 'pss')).toFixed(2)} (target < 1)`,
  );
} finally {
  console.log('\nremoving the containers, the registry and the stores');
  removeAll();
  stopRegistry();
  // podman's overlay driver may keep its layer mounts until told; anything still mounted under
  // the scratch directory is unmounted before it is deleted.
  try {
    sh('podman', [...podmanBase(), 'system', 'reset', '-f']);
  } catch {
    // the store is deleted below anyway
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${scratch.dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // gone meanwhile
    }
  }
  scratch.dispose();
}
