import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, read, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `stages:
  evaluate:
    cmd: echo evaluated
    metrics:
      - eval/metrics.json: {cache: false}
      - eval/extra.yaml: {cache: false}
gates:
  recall: {min: 0.7, max_drop: 0.02, path: eval/metrics.json}
  loss: {max_rise_pct: 5, level: warn}
`;

function commit(dir: string, message: string): string {
  const git = (...args: string[]) => execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir });
  git('add', '-A');
  git('commit', '-qm', message, '--allow-empty');
  return String(git('rev-parse', 'HEAD').stdout).trim();
}

/** A repo whose main commit has recall 0.80; the workspace then gets other values. */
function repo(): string {
  return workspace(
    {
      'pipeline.yaml': PIPELINE,
      'eval/metrics.json': JSON.stringify({ recall: 0.8, nested: { f1: 0.75 }, old_only: 1 }),
      'eval/extra.yaml': 'loss: 0.5\nmodel: baseline\n',
    },
    { git: true },
  );
}

/** A repo whose stage writes recall (from in.txt, 0.9) to a cached, git-ignored m.json. */
function cachedMetricsRepo(extra = ''): string {
  return workspace(
    {
      '.gitignore': 'm.json\n.lockstep/cache/\n.lockstep/tmp/\n',
      'in.txt': '0.9',
      'eval.cjs': "const fs = require('fs'); fs.writeFileSync('m.json', JSON.stringify({ recall: Number(fs.readFileSync('in.txt', 'utf8')) }));\n",
      'pipeline.yaml': `stages:\n  eval:\n    cmd: node eval.cjs\n    deps: [in.txt, eval.cjs]\n    metrics:\n      - m.json: {cache: true}\n${extra}`,
    },
    { git: true },
  );
}

describe('metrics show / diff', () => {
  it('shows nested JSON and YAML metrics flattened', async () => {
    const dir = repo();
    const r = await lockstep(dir, ['metrics', 'show', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({
      'eval/extra.yaml': { loss: 0.5, model: 'baseline' },
      'eval/metrics.json': { recall: 0.8, 'nested.f1': 0.75, old_only: 1 },
    });
    expect((await lockstep(dir, ['metrics', 'show'])).stdout).toMatch(/eval\/metrics\.json\s+nested\.f1\s+0\.75/);
  });

  it('diffs HEAD against the workspace by default, with new and removed metrics', async () => {
    const dir = repo();
    writeTree(dir, { 'eval/metrics.json': JSON.stringify({ recall: 0.7, nested: { f1: 0.75 }, new_one: 3 }) });
    const r = await lockstep(dir, ['metrics', 'diff', '--json']);
    const rows = JSON.parse(r.stdout).rows;
    expect(rows).toEqual([
      { path: 'eval/metrics.json', name: 'new_one', new: 3, state: 'added' },
      { path: 'eval/metrics.json', name: 'old_only', old: 1, state: 'removed' },
      { path: 'eval/metrics.json', name: 'recall', old: 0.8, new: 0.7, change: expect.closeTo(-0.1, 9), changePct: expect.closeTo(-12.5, 9), state: 'changed' },
    ]);
    const text = (await lockstep(dir, ['metrics', 'diff'])).stdout;
    expect(text.split('\n')[0]).toMatch(/^Path\s+Metric\s+HEAD\s+workspace\s+Change\s+Change %$/);
    expect(text).toMatch(/recall\s+0\.8\s+0\.7\s+-0\.1\s+-12\.5%/);
    const md = (await lockstep(dir, ['metrics', 'diff', '--md', '--all'])).stdout;
    expect(md).toContain('| eval/metrics.json | nested.f1 | 0.75 | 0.75 | 0 | 0% |');
  });

  it('diffs two revisions', async () => {
    const dir = repo();
    const first = commit(dir, 'noop');
    writeTree(dir, { 'eval/extra.yaml': 'loss: 0.4\nmodel: better\n' });
    const second = commit(dir, 'better');
    const r = await lockstep(dir, ['metrics', 'diff', first, second, '--json']);
    expect(JSON.parse(r.stdout).rows.map((x: { name: string }) => x.name)).toEqual(['loss', 'model']);
  });

  it('reads a cached (git-ignored) metrics file at a revision through that revision\'s lock and the local cache', async () => {
    const dir = cachedMetricsRepo();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    commit(dir, 'recall 0.9');
    writeTree(dir, { 'in.txt': '0.7' });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const r = await lockstep(dir, ['metrics', 'diff', '--json']);
    expect(JSON.parse(r.stdout).rows).toEqual([
      { path: 'm.json', name: 'recall', old: 0.9, new: 0.7, change: expect.closeTo(-0.2, 9), changePct: expect.closeTo(-22.2222, 3), state: 'changed' },
    ]);
  });

  it('a broken metrics file is an error naming it', async () => {
    const dir = repo();
    writeTree(dir, { 'eval/metrics.json': '{"recall": ' });
    const r = await lockstep(dir, ['metrics', 'show']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: metrics file eval\/metrics\.json:1:\d+: /);
  });

  it('a revision missing from a shallow clone says which git fetch to run', async () => {
    const dir = repo();
    writeTree(dir, { 'eval/metrics.json': JSON.stringify({ recall: 0.81 }) });
    commit(dir, 'second');
    const clone = workspace({});
    execaSync('git', ['clone', '-q', '--depth=1', `file://${dir}`, 'c'], { cwd: clone });
    const r = await lockstep(`${clone}/c`, ['metrics', 'diff', 'HEAD~1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: revision 'HEAD~1' is not in this clone (it is a shallow clone)");
    const sha = (await lockstep(`${clone}/c`, ['metrics', 'diff', 'a'.repeat(40)])).stderr;
    expect(sha).toContain(`hint: fetch it: git fetch --no-tags --depth=1 origin ${'a'.repeat(40)}`);
    const branch = (await lockstep(`${clone}/c`, ['gate', '--baseline', 'release'])).stderr;
    expect(branch).toContain('hint: fetch it: git fetch --no-tags --depth=1 origin release:refs/remotes/origin/release, then compare with origin/release');
  });

  it('outside git, before the first commit and for an unknown name, the error says exactly that (no fetch hint)', async () => {
    const files = { 'eval/metrics.json': '{"recall": 0.8}', 'pipeline.yaml': 'stages: {}\nmetrics: [eval/metrics.json]\n' };
    const plain = workspace(files);
    const outside = await lockstep(plain, ['metrics', 'diff', 'main']);
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain('error: not a git repository');
    const fresh = workspace(files);
    execaSync('git', ['init', '-q'], { cwd: fresh });
    const empty = await lockstep(fresh, ['gate', '--baseline', 'main']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain("error: revision 'main' does not exist: this repository has no commits yet");
    const full = repo();
    const unknown = await lockstep(full, ['params', 'diff', 'no-such-branch']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("error: revision 'no-such-branch' does not exist in this repository");
    expect(unknown.stderr).not.toContain('git fetch');
  });
});

describe('params diff', () => {
  it('shows the params the stages use that changed', async () => {
    const dir = workspace(
      {
        'params.yaml': 'train: {C: 1, iters: 100}\nunused: 1\n',
        'pipeline.yaml': 'stages:\n  train:\n    cmd: echo\n    params: [train]\n',
      },
      { git: true },
    );
    writeTree(dir, { 'params.yaml': 'train: {C: 0.5, iters: 100, seed: 3}\nunused: 2\n' });
    const r = await lockstep(dir, ['params', 'diff', '--json']);
    expect(JSON.parse(r.stdout).rows).toEqual([
      { path: 'params.yaml', name: 'train.C', old: 1, new: 0.5, change: -0.5, changePct: -50, state: 'changed' },
      { path: 'params.yaml', name: 'train.seed', new: 3, state: 'added' },
    ]);
  });
});

describe('lockstep gate', () => {
  it('passes with a verdict line first, one row per gate; relative gates n/a without a baseline', async () => {
    const dir = repo();
    const r = await lockstep(dir, ['gate']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('PASS: 1 of 3 gates passed, 2 n/a');
    expect(r.stdout).toMatch(/recall \(eval\/metrics\.json\)\s+0\.8\s+-\s+-\s+drop <= 0\.02\s+n\/a \(no baseline\)/);
  });

  it('fails the build (exit 1) when recall falls below the floor or drops too far from the baseline', async () => {
    const dir = repo();
    writeTree(dir, { 'eval/metrics.json': JSON.stringify({ recall: 0.75 }) });
    const noBase = await lockstep(dir, ['gate']);
    expect(noBase.exitCode).toBe(0);
    const r = await lockstep(dir, ['gate', '--baseline', 'HEAD', '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('fail');
    expect(report.results.map((x: { gate: { kind: string }; status: string }) => [x.gate.kind, x.status])).toEqual([
      ['max_rise_pct', 'pass'],
      ['min', 'pass'],
      ['max_drop', 'fail'],
    ]);
    writeTree(dir, { 'eval/metrics.json': JSON.stringify({ recall: 0.6 }) });
    const low = await lockstep(dir, ['gate']);
    expect(low.exitCode).toBe(1);
    expect(low.stdout.split('\n')[0]).toBe('FAIL: 1 of 3 gates failed, 2 n/a');
  });

  it('fails closed when a gated metric is missing; warn-level gates only warn', async () => {
    const dir = repo();
    writeTree(dir, { 'eval/metrics.json': JSON.stringify({ f1: 0.9 }), 'eval/extra.yaml': 'loss: 0.9\n' });
    const r = await lockstep(dir, ['gate', '--baseline', 'HEAD']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('FAIL: recall not found in eval/metrics.json');
    expect(r.stdout).toMatch(/loss\s+0\.9\s+0\.5\s+\+0\.4\s+rise <= 5% \(warn\)\s+warn: loss 0\.9 breaks rise <= 5%/);
  });

  it('adds --gate expressions; a bad one is a usage error', async () => {
    const dir = repo();
    expect((await lockstep(dir, ['gate', '--gate', 'nested.f1>=0.8'])).exitCode).toBe(1);
    expect((await lockstep(dir, ['gate', '--gate', 'nested.f1>=0.7', '--gate', 'model>=1'])).stdout).toContain('model is "baseline", not a number');
    const bad = await lockstep(dir, ['gate', '--gate', 'recall ~ 3']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("cannot read gate 'recall ~ 3'");
  });

  it('--gates-from takes the base revision gates, so a change cannot loosen its own gate, and says so', async () => {
    const dir = repo();
    writeTree(dir, {
      'pipeline.yaml': PIPELINE.replace('min: 0.7', 'min: 0.1'),
      'eval/metrics.json': JSON.stringify({ recall: 0.5 }),
    });
    expect((await lockstep(dir, ['gate'])).exitCode).toBe(0);
    const r = await lockstep(dir, ['gate', '--gates-from', 'HEAD', '--md']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('FAIL: 1 of 3 gates failed, 2 n/a');
    expect(r.stdout).toContain("> **Warning**: the gates in pipeline.yaml differ from HEAD's; HEAD's gates were applied");
    expect(r.stdout).toContain('| recall (eval/metrics.json) | 0.5 | - | - | >= 0.7 | FAIL: recall 0.5 breaks >= 0.7 |');
    expect(r.stderr).toContain('warning: the gates in pipeline.yaml differ');
  });

  it('a wildcard gate reports every match in its own row and in --json; no match fails closed (issue 15)', async () => {
    const slices = (hr: number) => JSON.stringify({ slices: { 'dept=HR': { recall: hr, count: 40 }, 'dept=Sales': { recall: 0.8, count: 90 }, 'tenure=11+': { count: 9 } } });
    const dir = workspace(
      {
        'pipeline.yaml': 'stages: {}\nmetrics: [m.json]\ngates:\n  slices.*.recall: {min: 0.6, max_drop: 0.05}\n',
        'm.json': slices(0.7),
      },
      { git: true },
    );
    const ok = await lockstep(dir, ['gate']);
    expect(ok.exitCode, ok.stdout).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('PASS: 2 of 4 gates passed, 2 n/a');
    expect(ok.stdout).toMatch(/slices\.dept=HR\.recall\s+0\.7\s+-\s+-\s+>= 0\.6\s+pass/);
    expect(ok.stdout).toMatch(/slices\.dept=Sales\.recall\s+0\.8\s+-\s+-\s+>= 0\.6\s+pass/);
    writeTree(dir, { 'm.json': slices(0.62) });
    const r = await lockstep(dir, ['gate', '--baseline', 'HEAD', '--json']);
    expect(r.exitCode).toBe(1);
    const results = JSON.parse(r.stdout).results as { gate: { metric: string; pattern: string; kind: string }; status: string }[];
    expect(results.map((x) => [x.gate.metric, x.gate.pattern, x.gate.kind, x.status])).toEqual([
      ['slices.dept=HR.recall', 'slices.*.recall', 'min', 'pass'],
      ['slices.dept=Sales.recall', 'slices.*.recall', 'min', 'pass'],
      ['slices.dept=HR.recall', 'slices.*.recall', 'max_drop', 'fail'],
      ['slices.dept=Sales.recall', 'slices.*.recall', 'max_drop', 'pass'],
    ]);
    const none = await lockstep(dir, ['gate', '--gate', 'slices.*.f1 >= 0.5']);
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toMatch(/slices\.\*\.f1\s+-\s+-\s+-\s+>= 0\.5\s+FAIL: no metric matches slices\.\*\.f1 in any metrics file/);
    expect((await lockstep(dir, ['gate', '--gate', 'slices.*.count <= 50'])).stdout).toMatch(/slices\.tenure=11\+\.count\s+9\s+-\s+-\s+<= 50\s+pass/);
  });

  it('a tiny bound fails and shows the value (issue 16 item 8)', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages: {}\nmetrics: [m.json]\ngates:\n  fpr: {max: 1e-10}\n', 'm.json': '{"fpr": 9e-10}' });
    const r = await lockstep(dir, ['gate']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/fpr\s+9\.0e-10\s+-\s+-\s+<= 1e-10\s+FAIL: fpr 9e-10 breaks <= 1e-10/);
  });

  it('a relative gate whose cached baseline is not in the local cache fails closed with a hint, unless warn', async () => {
    const dir = cachedMetricsRepo('gates:\n  recall: {max_drop: 0.05}\n');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    commit(dir, 'recall 0.9');
    expect((await lockstep(dir, ['gate', '--baseline', 'HEAD'])).exitCode).toBe(0);
    // A fresh CI runner: the baseline's cached metrics were never fetched.
    rmSync(join(dir, '.lockstep/cache'), { recursive: true });
    const r = await lockstep(dir, ['gate', '--baseline', 'HEAD']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL: baseline m\.json cannot be read: its cached copy \([0-9a-f]{8}, from pipeline\.lock at HEAD\) is not in the local cache/);
    expect(r.stdout).toContain('hint: bring the baseline');
    expect((await lockstep(dir, ['gate'])).stdout).toContain('n/a (no baseline)');
    writeTree(dir, { 'pipeline.yaml': read(dir, 'pipeline.yaml').replace('max_drop: 0.05', 'max_drop: 0.05, level: warn') });
    const warn = await lockstep(dir, ['gate', '--baseline', 'HEAD']);
    expect(warn.exitCode).toBe(0);
    expect(warn.stdout).toContain('warn: baseline m.json cannot be read');
  });
});
