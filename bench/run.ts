import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtMs, has, machine, REPO, type ScenarioResult } from './harness.js';
import { bigDirectory } from './scenarios/big-directory.js';
import { hashFile } from './scenarios/hash-file.js';
import { manyStages } from './scenarios/many-stages.js';
import { parallelStages, startup } from './scenarios/parallel-and-startup.js';
import { remoteTransfers } from './scenarios/remote.js';
import { sweep } from './scenarios/sweep.js';

/**
 * `npm run bench [-- scenario…]`: runs lockstep and its peers alternately, prints medians and ratios, and
 * rewrites BENCHMARKS.md with the figures of the scenarios it ran. Never part of CI or the tests.
 */
type Outcome = ScenarioResult | ScenarioResult[];
const SCENARIOS: Record<string, (rounds: number) => Outcome | Promise<Outcome>> = {
  hash: (r) => hashFile(r),
  directory: (r) => bigDirectory(r),
  stages: (r) => manyStages(r),
  parallel: (r) => parallelStages(r),
  startup: (r) => startup(r * 2),
  // Each round moves ~10k objects through s3rver; three rounds already take minutes.
  remote: (r) => remoteTransfers(Math.min(r, 3)),
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
  const r = await SCENARIOS[name]!(rounds);
  for (const s of Array.isArray(r) ? r : [r]) {
    results.push(s);
    console.log(`\n## ${s.name}`);
    for (const row of s.rows) console.log(`  ${row.label.padEnd(44)} median ${fmtMs(row.medianMs).padStart(9)}   runs: ${row.runsMs.map(fmtMs).join(', ')}`);
    for (const v of s.verdicts) console.log(`  → ${v.text}${v.ok === undefined ? '' : v.ok ? '  ✓' : '  ✗ MISSED'}`);
    for (const n of s.notes ?? []) console.log(`  · ${n}`);
  }
}

const m = machine();
const today = new Date().toISOString().slice(0, 10);
const fresh = new Map(
  results.map((s) => [
    s.name,
    [
      `## ${s.name}`,
      '',
      `_Measured ${today}, ${s.rows[0]?.runsMs.length ?? rounds} rounds._`,
      '',
      '| contender | median | runs |',
      '|---|---|---|',
      ...s.rows.map((r) => `| ${r.label} | ${fmtMs(r.medianMs)} | ${r.runsMs.map(fmtMs).join(', ')} |`),
      '',
      ...s.verdicts.map((v) => `- ${v.text}${v.ok === undefined ? '' : v.ok ? ' — **met**' : ' — **missed**'}`),
      ...(s.notes ?? []).map((n) => `- ${n}`),
      '',
    ].join('\n'),
  ]),
);
// Sections of scenarios not run this time are kept as they were, so one scenario can be rerun alone.
const path = join(REPO, 'BENCHMARKS.md');
const previous = existsSync(path) ? readFileSync(path, 'utf8').split(/^(?=## )/m).slice(1) : [];
const sections = previous.map((text) => {
  const name = text.slice(3, text.indexOf('\n'));
  const replaced = fresh.get(name);
  fresh.delete(name);
  return replaced ?? text.trimEnd().concat('\n');
});
const md = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each scenario generates its data under the',
  'OS temp dir and runs lockstep and its peers **alternately**; figures are medians of wall time',
  'including process start-up. These machines are shared and noisy: read the ratios, not the absolute times.',
  'Rerunning some scenarios replaces their sections and keeps the others.',
  '',
  `Machine: ${m.cores} cores (${m.cpu}), Node ${m.node}. Last run ${today}: ${chosen.join(', ')}, ${rounds} rounds unless a section says otherwise.`,
  '',
  ...sections,
  ...fresh.values(),
];
writeFileSync(path, md.join('\n'));
console.error('\nwrote BENCHMARKS.md');
