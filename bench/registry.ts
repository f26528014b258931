/**
 * Registry benchmark: hull registry vs docker-registry (CNCF distribution, the Debian package),
 * both on 127.0.0.1 ephemeral ports over fresh temp roots, holding the same data:
 *   1. requests/s for HEAD and GET of a manifest, 16 connections (GET: autocannon; HEAD: see
 *      headRps), rounds alternated;
 *   2. MB/s for GET of a 256 MiB blob (curl to /dev/null), runs alternated, median;
 *   3. wall time to push then pull the debian:bench image with skopeo, runs alternated.
 * Usage: node dist/bench/registry.js [--runs N (≥ 3, default 3)] [--seconds S per rps round (default 5)]
 *
 * Both servers run without auth and without request logs (hull --quiet; docker-registry's
 * access log off, level error) so neither pays for logging. The servers' own CPU is not in the
 * "cpu" columns (they are not waited-for children); those count the clients (curl, skopeo).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import { debianImage, debianTag } from '../test/helpers/debian.js';
import { repoRoot } from '../test/helpers/fixtures.js';
import { alternate, type Tool } from './lib/alternate.js';
import { median } from './lib/stats.js';
import { flag, run, scratchDir } from './lib/sys.js';
import { formatTable, ratioLine, resultsTable } from './lib/table.js';

const argv = process.argv.slice(2);
const runs = Number(flag(argv, 'runs') ?? 3);
const seconds = Number(flag(argv, 'seconds') ?? 5);
if (!Number.isInteger(runs) || runs < 3 || !(seconds > 0)) {
  console.error('usage: node dist/bench/registry.js [--runs N (N ≥ 3)] [--seconds S]');
  process.exit(2);
}

interface Server {
  name: string;
  url: string;
  host: string;
  proc: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitUp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${url}: server exited ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}: not up after 10 s`);
}

async function startHull(root: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [join(repoRoot, 'bin/hull'), 'registry', 'serve', '--root', root, '--addr', `127.0.0.1:${port}`, '--quiet'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, proc);
  return { name: 'hull', url, host: `127.0.0.1:${port}`, proc };
}

async function startDistribution(root: string, dir: string): Promise<Server> {
  const port = await freePort();
  const config = join(dir, `docker-registry-${port}.yml`);
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      'storage:',
      `  filesystem: {rootdirectory: ${root}}`,
      '  delete: {enabled: true}',
      `http: {addr: "127.0.0.1:${port}"}`,
      '',
    ].join('\n'),
  );
  // Its error level still logs every 404 (skopeo's HEAD probes): silenced, as hull's --quiet.
  const proc = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'ignore'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, proc);
  return { name: 'docker-registry', url, host: `127.0.0.1:${port}`, proc };
}

/** POST then PUT of a whole file: the one monolithic upload every registry supports. */
async function pushFile(server: Server, repo: string, file: string, digest: string): Promise<void> {
  const start = await fetch(`${server.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  const location = new URL(start.headers.get('location')!, server.url);
  location.searchParams.set('digest', digest);
  const res = await fetch(location, {
    method: 'PUT',
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    headers: { 'Content-Type': 'application/octet-stream' },
    duplex: 'half',
  } as RequestInit);
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`${server.name}: blob push answered ${res.status}`);
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * HEAD at 16 connections with node:http keep-alive clients: autocannon's parser (http-parser-js,
 * never told the response is to a HEAD) waits for the Content-Length bytes of body a HEAD
 * response never has, so it completes no HEAD request at all against either server.
 */
async function headRps(url: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (Date.now() < end) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(url, { method: 'HEAD', agent, headers: { Accept: ACCEPT } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      if (status !== 200) throw new Error(`${url}: HEAD answered ${status}`);
      done++;
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: 16 }, loop));
  agent.destroy();
  return done / ((Date.now() - start) / 1000);
}

async function rps(url: string, method: 'HEAD' | 'GET'): Promise<number> {
  if (method === 'HEAD') return headRps(url);
  const result = await autocannon({ url, method, connections: 16, duration: seconds, headers: { Accept: ACCEPT } });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const scratch = scratchDir({ prefix: 'hull-bench-registry-' });
const servers: Server[] = [];
try {
  console.log('fixture: building or reusing the debian:bench image');
  const layout = debianImage();
  servers.push(await startHull(join(scratch.dir, 'hull-root')));
  servers.push(await startDistribution(join(scratch.dir, 'distribution-root'), scratch.dir));
  const [hull, peer] = servers as [Server, Server];
  const version = execFileSync('docker-registry', ['--version']).toString().trim();
  console.log(`hull at ${hull.url}, ${version} at ${peer.url}; scratch ${scratch.dir}`);

  // Same data in both: the debian image (for the manifest) and a 256 MiB random blob.
  for (const s of servers)
    run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      `oci:${layout}:${debianTag}`,
      `docker://${s.host}/bench/debian:bench`,
    ]);
  const blobFile = join(scratch.dir, 'blob-256m');
  const hash = createHash('sha256');
  const out = createWriteStream(blobFile);
  for (let i = 0; i < 256; i++) {
    const mib = randomBytes(1 << 20);
    hash.update(mib);
    if (!out.write(mib)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const blobDigest = `sha256:${hash.digest('hex')}`;
  for (const s of servers) await pushFile(s, 'bench/blob', blobFile, blobDigest);

  // 1. Manifest requests/s, rounds alternated (ABBA) so drift hits both.
  const rpsRows: string[][] = [];
  for (const method of ['HEAD', 'GET'] as const) {
    const samples = new Map<string, number[]>(servers.map((s) => [s.name, []]));
    for (let round = 0; round < runs; round++) {
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        const r = await rps(`${s.url}/v2/bench/debian/manifests/bench`, method);
        samples.get(s.name)!.push(r);
        console.log(`  ${method} manifest round ${round + 1}/${runs} ${s.name}: ${r.toFixed(0)} req/s`);
      }
    }
    const h = median(samples.get('hull')!);
    const p = median(samples.get('docker-registry')!);
    rpsRows.push([`${method} manifest`, h.toFixed(0), p.toFixed(0), (h / p).toFixed(2)]);
  }

  // 2. 256 MiB blob GET throughput.
  const getTool = (s: Server): Tool<void> => ({
    name: s.name,
    run: () => run('curl', ['-sf', '-o', '/dev/null', `${s.url}/v2/bench/blob/blobs/${blobDigest}`]),
  });
  const blobResults = await alternate({
    tools: servers.map(getTool),
    runs: Math.max(runs, 5),
    onRun: (name, i, s) => console.log(`  blob GET run ${i + 1} ${name}: ${s.toFixed(3)} s`),
    onError: (name, _i, err) => console.log(`  blob GET ${name} failed: ${err.message}`),
  });

  // 3. skopeo push then pull of the debian image. Each run gets a fresh server (fresh root, new
  // port; started and stopped untimed): skopeo's blob-info cache remembers which registry has
  // which blob and would otherwise mount from earlier runs instead of uploading.
  const pushPull = (name: string, start: (root: string) => Promise<Server>): Tool<Server> => ({
    name,
    setup: (i) => start(join(scratch.dir, `pp-${name}-${i}`)),
    run: (s) => {
      run('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:${debianTag}`,
        `docker://${s.host}/bench/pp:bench`,
      ]);
      run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        `docker://${s.host}/bench/pp:bench`,
        `oci:${join(scratch.dir, `pull-${name}-${s.host.split(':')[1]}`)}:bench`,
      ]);
    },
    teardown: async (s) => {
      s.proc.kill('SIGTERM');
      await new Promise((r) => s.proc.once('exit', r));
    },
  });
  const ppResults = await alternate({
    tools: [
      pushPull('hull', startHull),
      pushPull('docker-registry', (root) => startDistribution(root, join(root, '..'))),
    ],
    runs,
    onRun: (name, i, s) => console.log(`  push+pull run ${i + 1} ${name}: ${s.toFixed(3)} s`),
    onError: (name, _i, err) => console.log(`  push+pull ${name} failed: ${err.message}`),
  });

  console.log();
  console.log('manifest requests/s (16 connections, median of rounds; ratio hull/peer, higher is better)');
  console.log(formatTable(['request', 'hull req/s', 'docker-registry req/s', 'hull/peer'], rpsRows));
  console.log();
  console.log('GET of a 256 MiB blob (curl to /dev/null)');
  console.log(resultsTable(blobResults, 256 * 2 ** 20));
  const by = (rs: typeof blobResults, n: string) => rs.find((r) => r.name === n);
  const h = by(blobResults, 'hull');
  const p = by(blobResults, 'docker-registry');
  if (h && p && !h.error && !p.error)
    console.log(`MB/s ratio hull/peer (higher is better): ${(p.median / h.median).toFixed(2)}`);
  console.log();
  console.log('skopeo push then pull of debian:bench');
  console.log(resultsTable(ppResults));
  console.log(ratioLine(by(ppResults, 'hull'), by(ppResults, 'docker-registry'), 'hull/docker-registry time', 1.0));
  if ([...blobResults, ...ppResults].some((r) => r.error)) process.exitCode = 1;
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  scratch.dispose();
}
