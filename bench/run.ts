import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtMs, has, machine, REPO, type ScenarioResult } from './harness.js';
import { bigDirectory } from './scenarios/big-directory.js';
import { hashFile } from './scenarios/hash-file.js';
import { manyStages } from './scenarios/many-stages.js';
import { parallelStages, startup } from './scenarios/parallel-and-startup.js';
import { sweep } from './scenarios/sweep.js';

/**
 * `npm run bench [-- scenario…]`: runs lockstep and its peers alternately, prints medians and ratios, and
 * rewrites BENCHMARKS.md with the figures of the scenarios it ran. Never part of CI or the tests.
 */
const SCENARIOS: Record<string, (rounds: number) => ScenarioResult | ScenarioResult[]> = {
  hash: (r) => hashFile(r),
  directory: (r) => bigDirectory(r),
  stages: (r) => manyStages(r),
  parallel: (r) => parallelStages(r),
  startup: (r) => startup(r * 2),
  sweep: (r) => sweep(r),
};

const args = process.argv.slice(2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const chosen = args.length ? args : Object.keys(SCENARIOS);
for (const name of chosen) {
  if (!SCENARIOS[name]) {
    console.error(`unknown scenario ${name}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
}
for (const tool of ['make', 'openssl', 'sha256sum', 'snakemake']) {
  if (!has(tool)) console.error(`note: ${tool} is missing; install it with: apt-get install ${tool === 'sha256sum' ? 'coreutils' : tool}`);
}

const results: ScenarioResult[] = [];
for (const name of chosen) {
  console.error(`running ${name} (${rounds} rounds)…`);
  const r = SCENARIOS[name]!(rounds);
  for (const s of Array.isArray(r) ? r : [r]) {
    results.push(s);
    console.log(`\n## ${s.name}`);
    for (const row of s.rows) console.log(`  ${row.label.padEnd(44)} median ${fmtMs(row.medianMs).padStart(9)}   runs: ${row.runsMs.map(fmtMs).join(', ')}`);
    for (const v of s.verdicts) console.log(`  → ${v.text}${v.ok === undefined ? '' : v.ok ? '  ✓' : '  ✗ MISSED'}`);
    for (const n of s.notes ?? []) console.log(`  · ${n}`);
  }
}

const m = machine();
const md = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each scenario generates its data under the',
  'OS temp dir and runs lockstep and its peers **alternately**, ' + `${rounds} rounds each; figures are medians of wall time`,
  'including process start-up. These machines are shared and noisy: read the ratios, not the absolute times.',
  '',
  `Machine: ${m.cores} cores (${m.cpu}), Node ${m.node}, ${new Date().toISOString().slice(0, 10)}. Scenarios run: ${chosen.join(', ')}.`,
  '',
  ...results.flatMap((s) => [
    `## ${s.name}`,
    '',
    '| contender | median | runs |',
    '|---|---|---|',
    ...s.rows.map((r) => `| ${r.label} | ${fmtMs(r.medianMs)} | ${r.runsMs.map(fmtMs).join(', ')} |`),
    '',
    ...s.verdicts.map((v) => `- ${v.text}${v.ok === undefined ? '' : v.ok ? ' — **met**' : ' — **missed**'}`),
    ...(s.notes ?? []).map((n) => `- ${n}`),
    '',
  ]),
];
writeFileSync(join(REPO, 'BENCHMARKS.md'), md.join('\n'));
console.error('\nwrote BENCHMARKS.md');
