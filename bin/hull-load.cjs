/**
 * Runs the hull CLI from dist/hull.cjs (one file, scripts/build-runtime-bundle.mjs) with a V8
 * code cache, or from tsc's modules under dist/src when a later `tsc` made the bundle stale.
 * bin/hull runs this file (sh: `node bin/hull-load.cjs`; node: `node bin/hull` requires it).
 *
 * Why: `hull run` is a Node process per container, and compiling the 1.2 MB bundle is much
 * of what it costs (bench/run.ts): parsing it all up front, then each function the command
 * calls on its first call. A cache per command (dist/hull.cjs.<command>.cache) holds all of
 * that as V8 left it when the command's first successful run after a build exited, so later runs of it
 * compile almost nothing (`hull run`: ~20 ms less than a cache of the top level alone). Written
 * with temp + rename; a cache V8 rejects (another Node) is replaced. Its first line names the
 * bundle's size, mtime and inode: V8 only checks the source's length, so a rebuilt bundle must
 * not meet an old cache. A dist/ that cannot be written just means no cache.
 *
 * NODE_EXTRA_CA_CERTS: bin/hull moved it to HULL_EXTRA_CA_CERTS so Node does not parse the CA
 * bundle at start-up (the docker transport loads it when it makes a TLS connection,
 * src/transport/docker/http.ts); it is put back for the programs hull starts.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

if (process.env.HULL_EXTRA_CA_CERTS && !process.env.NODE_EXTRA_CA_CERTS)
  process.env.NODE_EXTRA_CA_CERTS = process.env.HULL_EXTRA_CA_CERTS;

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'hull.cjs');
const args = process.argv.slice(2);

function stat(file) {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function runBundle(st) {
  const vm = require('node:vm');
  const Module = require('node:module');
  // esbuild writes ASCII (its default charset): latin1 decodes it exactly, ~4 ms faster than utf8.
  const source = fs.readFileSync(bundle, 'latin1');
  const command = /^[a-z][a-z-]{0,31}$/.test(args[0] ?? '') ? args[0] : 'other';
  const cacheFile = path.join(dist, `hull.cjs.${command}.cache`);
  const key = Buffer.from(`hull-cache ${st.size} ${st.mtimeMs} ${st.ino}\n`);
  let cached;
  try {
    const c = fs.readFileSync(cacheFile);
    if (c.subarray(0, key.length).equals(key)) cached = c.subarray(key.length);
  } catch {}
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData: cached });
  if (!cached || script.cachedDataRejected) {
    // At exit: by then V8 has compiled every function this command ran. Only after a run that
    // succeeded, so a mistyped command word leaves no cache file behind.
    process.once('exit', (code) => {
      if (code !== 0) return;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
        fs.renameSync(tmp, cacheFile);
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {}
      }
    });
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dist);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dist);
}

const st = stat(bundle);
const modules = stat(path.join(dist, 'src', 'cli', 'hull.js'));
if (st && (!modules || st.mtimeMs > modules.mtimeMs)) {
  runBundle(st);
} else {
  const url = require('node:url').pathToFileURL(path.join(dist, 'src', 'cli', 'hull.js')).href;
  import(url).then((m) => m.main(args));
}
