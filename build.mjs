// Bundles the CLI with esbuild: one module graph instead of hundreds of small files cuts start-up by
// ~140 ms (bench/, startup and parallel scenarios). Code splitting keeps each command's dependencies in
// its own chunk, so `lockstep --version` still loads almost nothing.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Clear the CLI's old chunks but keep the committed Action bundle (written by build-action.mjs only).
for (const entry of (existsSync('dist') ? readdirSync('dist', { withFileTypes: true }) : []).filter((e) => e.name !== 'action.js')) {
  rmSync(`dist/${entry.name}`, { recursive: true, force: true });
}
await build({
  entryPoints: { lockstep: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Loaded lazily from node_modules by src/util/lazy-modules.ts.
  external: ['yaml', 'zod'],
  // Some dependencies still call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __lockstepRequire } from 'node:module'; const require = __lockstepRequire(import.meta.url);" },
  logLevel: 'warning',
});
