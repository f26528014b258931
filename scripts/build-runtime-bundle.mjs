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
 * Usage: node scripts/build-runtime-bundle.mjs [--split]   (run after `tsc`; `npm run build` does)
 *   --split  code-split the lazily imported verbs into chunks under dist/hull-runtime/ instead
 *            (measured slower than one file; kept for re-measuring).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const split = process.argv.includes('--split');
// Where the code lands: import.meta.url is rewritten relative to this directory.
const outBase = split ? join(dist, 'hull-runtime') : dist;

const metaUrl = {
  name: 'hull-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      let rel = relative(outBase, args.path);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return {
        contents: text.replaceAll(
          'import.meta.url',
          split ? `new URL(${JSON.stringify(rel)}, import.meta.url).href` : `__hullUrl(${JSON.stringify(rel)})`,
        ),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

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
  // CommonJS has no import.meta.url; modules may shadow `require`, so the file URL is computed by
  // a helper defined first, with the module system's own require.
  ...(split
    ? {}
    : {
        banner: {
          js: "const __hullUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;",
        },
      }),
  legalComments: 'none',
  logLevel: 'warning',
});
