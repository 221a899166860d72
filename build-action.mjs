// Bundles the GitHub Action into one self-contained file (dist/action.js, committed: GitHub runs the
// Action straight from the tagged tree, with no npm install). esbuild rather than ncc: @actions/core 3
// and @actions/github 9 are ESM-only. `npm run build:action` writes it; tests/action/bundle.test.ts
// builds it again into a temp dir and fails when the committed file differs.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('.', import.meta.url));
export const ACTION_BUNDLE = 'dist/action.js';

/**
 * The CLI loads yaml and zod lazily from node_modules (src/util/lazy-modules.ts); the Action has no
 * node_modules, so its bundle swaps that module for one that imports them statically.
 */
const bundledModules = {
  name: 'bundled-modules',
  setup(b) {
    b.onResolve({ filter: /\/lazy-modules\.js$/ }, () => ({ path: `${root}src/action/bundled-modules.ts` }));
  },
};

export async function buildAction(outfile = ACTION_BUNDLE) {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/action/index.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Deterministic bytes: no sourcemap (it would hold local paths), no minification to keep diffs readable.
    sourcemap: false,
    legalComments: 'none',
    plugins: [bundledModules],
    // Some dependencies (undici) still call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __lockstepRequire } from 'node:module'; const require = __lockstepRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAction(process.argv[2]);
