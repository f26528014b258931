#!/usr/bin/env node
/**
 * Bundles the hull-runtime CLI (tsc's output under dist/src) into one CommonJS file,
 * dist/hull-runtime.cjs, which bin/hull-runtime runs. Every container operation is a fresh Node
 * process, and Node 20 loads an ES module graph file by file (resolve, read, compile, link): one
 * file instead of ~30 saves most of that (bench/runtime.ts measures it). CommonJS rather than
 * ESM: Node 20's CJS loader is ready at start-up while the ESM loader is set up on first use;
 * measured ~10 ms of CPU less per invocation (and a V8 code cache through vm.Script cachedData
 * measured within noise on top of it, so it is not used).
 *
 * `import.meta.url` in a bundled module would name the bundle, not the module, and two modules
 * locate files relative to themselves (src/native.ts: the N-API addon; src/runtime/init-process.ts:
 * hull-init), so each occurrence becomes the URL the module has under dist/src, relative to the
 * bundle; the checkout stays relocatable.
 *
 * The `hull` CLI gets the same treatment, dist/hull.cjs (bin/hull runs it): `hull run` is one
 * Node process per container, so its start-up counts as the runtime's does (bench/run.ts).
 * Its commands stay lazily imported (esbuild turns each `import()` into a function that runs the
 * module's body on first use), so a command pays compile time only for the code it calls.
 * better-sqlite3's JavaScript is bundled too; its addon is loaded by path from node_modules
 * (src/engine/db/db.ts) and `bindings`, its fallback search, stays outside.
 *
 * Usage: node scripts/build-runtime-bundle.mjs [--split]   (run after `tsc`; `npm run build` does)
 *   --split  code-split the lazily imported verbs into chunks under dist/hull-runtime/ instead
 *            (measured slower than one file; kept for re-measuring; hull-runtime only).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const split = process.argv.includes('--split');
// Where the code lands: import.meta.url is rewritten relative to this directory.
const outBase = split ? join(dist, 'hull-runtime') : dist;

// A builtin imported dynamically (`await import('node:crypto')`) is left as import() by
// esbuild; bin/hull-load.cjs compiles the bundle with vm.Script (for its code cache), where
// import() has no loader, so in the CommonJS bundles it becomes a require.
const builtinImport = /\bimport\((['"])(node:[a-z_/]+)\1\)/g;

const metaUrl = {
  name: 'hull-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      const hasMeta = text.includes('import.meta.url') || text.includes('import.meta.dirname');
      const hasImport = !split && /\bimport\((['"])node:/.test(text);
      if (!hasMeta && !hasImport) return undefined;
      if (hasImport) text = text.replace(builtinImport, 'Promise.resolve(require($1$2$1))');
      let rel = relative(outBase, args.path);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      // import.meta.dirname (Node >= 20.11) is a plain path: no URL work at run time (~0.7 ms per
      // process for pathToFileURL + fileURLToPath on a cold start).
      const relDir = JSON.stringify(dirname(rel));
      return {
        contents: text
          .replaceAll(
            'import.meta.url',
            split ? `new URL(${JSON.stringify(rel)}, import.meta.url).href` : `__hullUrl(${JSON.stringify(rel)})`,
          )
          .replaceAll(
            'import.meta.dirname',
            split
              ? `decodeURIComponent(new URL(${JSON.stringify(`${dirname(rel)}/`)}, import.meta.url).pathname)`
              : `__hullDir(${relDir})`,
          ),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

// CommonJS has no import.meta.url or import.meta.dirname; modules may shadow `require`, so both
// are computed by helpers defined first, with the module system's own require.
const urlHelper =
  "const __hullUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;\n" +
  "const __hullDir = (rel) => require('node:path').join(__dirname, rel);";

await build({
  stdin: {
    contents: split
      ? "import { main } from './src/runtime/cli/main.js';\nawait main(process.argv.slice(2));\n"
      : "import { main } from './src/runtime/cli/main.js';\nmain(process.argv.slice(2));\n",
    resolveDir: dist,
    sourcefile: 'hull-runtime-entry.js',
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: split ? 'esm' : 'cjs',
  ...(split
    ? {
        splitting: true,
        outdir: outBase,
        entryNames: 'main',
        chunkNames: '[name]-[hash]',
        outExtension: { '.js': '.mjs' },
      }
    : { outfile: join(dist, 'hull-runtime.cjs') }),
  plugins: [metaUrl],
  ...(split ? {} : { banner: { js: urlHelper } }),
  legalComments: 'none',
  logLevel: 'warning',
});

if (!split) {
  await build({
    stdin: {
      contents: "import { main } from './src/cli/hull.js';\nmain(process.argv.slice(2));\n",
      resolveDir: dist,
      sourcefile: 'hull-entry.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(dist, 'hull.cjs'),
    // Only `hull registry serve` uses these two (a quarter of the bundle's bytes): loaded from
    // node_modules when it does, so every other command's bundle is smaller to read and cache.
    external: ['bindings', 'yaml', 'bcryptjs'],
    plugins: [metaUrl],
    banner: { js: urlHelper },
    legalComments: 'none',
    logLevel: 'warning',
  });
}
