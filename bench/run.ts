import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fmtMiB, fmtMs, has, machine, REPO, type ScenarioResult } from './harness.js';
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
  'small-directory': (r) => bigDirectory(r, 20_000, 6, 200),
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

const results: { s: ScenarioResult; load: string }[] = [];
const loadNow = () => loadavg()[0]!.toFixed(2);
for (const name of chosen) {
  console.error(`running ${name} (${rounds} rounds)…`);
  const before = loadNow();
  const r = await SCENARIOS[name]!(rounds);
  const load = `${before} → ${loadNow()}`;
  for (const s of Array.isArray(r) ? r : [r]) {
    results.push({ s, load });
    console.log(`\n## ${s.name}   (load average ${load})`);
    for (const row of s.rows) console.log(`  ${row.label.padEnd(44)} median ${fmtMs(row.medianMs).padStart(9)}${row.cpuMs === undefined ? '' : `   CPU ${fmtMs(row.cpuMs).padStart(9)}`}${row.peakRssMiB === undefined ? '' : `   peak RSS ${fmtMiB(row.peakRssMiB).padStart(8)}`}   runs: ${row.runsMs.map(fmtMs).join(', ')}`);
    for (const v of s.verdicts) console.log(`  → ${v.text}${v.ok === undefined ? '' : v.ok ? '  ✓' : '  ✗ MISSED'}`);
    for (const n of s.notes ?? []) console.log(`  · ${n}`);
  }
}

const m = machine();
const today = new Date().toISOString().slice(0, 10);
const cell = (x: number | undefined, fmt: (x: number) => string) => (x === undefined ? '–' : fmt(x));
const fresh = new Map(
  results.map(({ s, load }) => [
    s.name,
    [
      `### ${s.name}`,
      '',
      `_Measured ${today}, ${s.rows[0]?.runsMs.length ?? rounds} rounds, load average ${load}._`,
      '',
      '| contender | median | CPU (user+sys, median) | peak RSS (max) | runs |',
      '|---|---|---|---|---|',
      ...s.rows.map((r) => `| ${r.label.replaceAll("|", "\\|")} | ${fmtMs(r.medianMs)} | ${cell(r.cpuMs, fmtMs)} | ${cell(r.peakRssMiB, fmtMiB)} | ${r.runsMs.map(fmtMs).join(', ')} |`),
      '',
      ...s.verdicts.map((v) => `- ${v.text}${v.ok === undefined ? '' : v.ok ? ' — **met**' : ' — **missed**'}`),
      ...(s.notes ?? []).map((n) => `- ${n}`),
      '',
    ].join('\n'),
  ]),
);

/**
 * One section per machine (CPU model, cores, SHA extensions), each holding the newest figures of every
 * scenario run there, so a reader sees how the ratios move with the hardware. Sections of scenarios not
 * run this time, and other machines' sections, are kept as they were.
 */
const heading = `${m.cpu} · ${m.cores} cores · SHA extensions: ${m.sha}`;
const path = join(REPO, 'BENCHMARKS.md');
const machines = readMachines(existsSync(path) ? readFileSync(path, 'utf8') : '');
const mine = machines.get(heading) ?? { intro: '', scenarios: [] };
machines.delete(heading);
const scenarios = mine.scenarios.map((text) => {
  const name = text.slice(4, text.indexOf('\n'));
  const replaced = fresh.get(name);
  fresh.delete(name);
  return replaced ?? text.trimEnd().concat('\n');
});
const md = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each scenario generates its data under the',
  'OS temp dir and runs lockstep and its peers **alternately**; figures are medians of wall time',
  'including process start-up, with CPU time and peak RSS from /usr/bin/time. These machines are shared',
  'and noisy (each section gives the load average before → after): read the ratios, not the absolute times.',
  'One section per machine; rerunning some scenarios replaces their sections and keeps the others.',
  '',
  `## ${heading}`,
  '',
  `Node ${m.node}. Last run ${today}: ${chosen.join(', ')}, ${rounds} rounds unless a section says otherwise.`,
  '',
  ...scenarios,
  ...fresh.values(),
  ...[...machines].map(([name, { intro, scenarios: kept }]) => [`## ${name}`, '', intro.trim(), '', ...kept.map((t) => t.trimEnd().concat('\n'))].join('\n')),
];
writeFileSync(path, md.join('\n'));
console.error('\nwrote BENCHMARKS.md');

/**
 * The machines of an existing BENCHMARKS.md: `## machine` sections holding `### scenario` ones. A file
 * written before there were machine sections (scenarios at `##`) belongs to the machine its
 * "Machine: N cores (CPU)" line names; SHA extensions were not recorded then.
 */
function readMachines(text: string): Map<string, { intro: string; scenarios: string[] }> {
  const out = new Map<string, { intro: string; scenarios: string[] }>();
  if (!text) return out;
  if (!/^### /m.test(text)) {
    const old = /^Machine: (\d+) cores \((.*)\), Node/m.exec(text);
    const name = old ? `${old[2]} · ${old[1]} cores · SHA extensions: ${old[2] === m.cpu && Number(old[1]) === m.cores ? m.sha : 'unknown'}` : 'unknown machine';
    out.set(name, { intro: '', scenarios: text.split(/^(?=## )/m).slice(1).map((t) => `#${t}`) });
    return out;
  }
  for (const section of text.split(/^(?=## )/m).slice(1)) {
    const [intro = '', ...scenarios] = section.split(/^(?=### )/m);
    const name = intro.slice(3, intro.indexOf('\n'));
    out.set(name, { intro: intro.slice(intro.indexOf('\n') + 1), scenarios });
  }
  return out;
}
