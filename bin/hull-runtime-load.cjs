/**
 * Runs dist/hull-runtime.cjs (the bundle, scripts/build-runtime-bundle.mjs) with a V8 code cache
 * per verb; bin/hull-runtime runs this file once it has trimmed the environment.
 *
 * Why: every container operation is a fresh Node process, and without a cache V8 parses the
 * bundle and then compiles each function on its first call: a few ms of each create, start and
 * delete (bench/runtime.ts). The cache is made when the process exits, so it holds every function
 * that verb ran, not only the top level. It is per verb (create, start, delete, ...) because one
 * verb's cache would give the others little: V8 cannot merge caches, and one made with
 * everything compiled eagerly (~300 KB) measured slower to load than no cache at all.
 *
 * Files: dist/hull-runtime.cjs.<verb>.cache, temp + rename, so concurrent runtimes never read half
 * a cache. The first line names the bundle's size, mtime and inode and Node's version: V8 only
 * checks the source's length, so a rebuilt bundle must not meet an old cache. A cache V8 rejects
 * (other flags) is replaced; a dist/ that cannot be written just means no cache. The cache is
 * compiled code for dist/'s own bundle: whoever can write dist/ can already change the bundle.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'hull-runtime.cjs');
const args = process.argv.slice(2);

/** Global flags that take a value (src/runtime/cli/main.ts GLOBAL), to find the verb after them. */
const VALUE_FLAGS = new Set(['--root', '--log', '--log-format', '--criu', '--rootless']);

function verbOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return /^[a-z]{1,16}$/.test(a) ? a : 'other';
  }
  return 'other';
}

const source = fs.readFileSync(bundle, 'utf8');
const st = fs.statSync(bundle);
const cacheFile = `${bundle}.${verbOf(args)}.cache`;
const key = Buffer.from(`hull-runtime-cache ${st.size} ${st.mtimeMs} ${st.ino} ${process.version}\n`);
let cached;
try {
  const c = fs.readFileSync(cacheFile);
  if (c.subarray(0, key.length).equals(key)) cached = c.subarray(key.length);
} catch {}

// The CommonJS wrapper, as Module.wrap writes it (node:module itself costs ~1 ms to load).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
  filename: bundle,
  cachedData: cached,
});
if (!cached || script.cachedDataRejected) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]), { mode: 0o644 });
      fs.renameSync(tmp, cacheFile);
    } catch {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {}
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, bundle, path.dirname(bundle));
