#!/usr/bin/env node
/**
 * Bundles the hull-runtime CLI (tsc's output under dist/src) into one ESM file,
 * dist/hull-runtime.mjs, which bin/hull-runtime runs. Every container operation is a fresh Node
 * process, and Node 20 loads an ES module graph file by file (resolve, read, compile, link): one
 * file instead of ~30 saves most of that (bench/runtime.ts measures it).
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
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

await build({
  stdin: {
    contents: "import { main } from './src/runtime/cli/main.js';\nawait main(process.argv.slice(2));\n",
    resolveDir: dist,
    sourcefile: 'hull-runtime-entry.js',
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  ...(split
    ? {
        splitting: true,
        outdir: outBase,
        entryNames: 'main',
        chunkNames: '[name]-[hash]',
        outExtension: { '.js': '.mjs' },
      }
    : { outfile: join(dist, 'hull-runtime.mjs') }),
  plugins: [metaUrl],
  legalComments: 'none',
  logLevel: 'warning',
});
