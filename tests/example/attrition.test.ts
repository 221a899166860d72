import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, read, REPO, workspace, writeTree } from '../helpers/workspace.js';

/** A copy of the repository's example pipeline and its reference profile in a temp dir (node_modules linked for `yaml`). */
function example(): string {
  const dir = workspace({});
  for (const f of ['pipeline.yaml', 'params.yaml', 'ml', 'reference']) cpSync(join(REPO, f), join(dir, f), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const metrics = (dir: string) => JSON.parse(read(dir, 'artifacts/metrics.json')) as Record<string, number>;

describe('the example attrition pipeline', () => {
  it('generates identical data on every run, ~16% leavers, 15 attributes', async () => {
    const [a, b] = [example(), example()];
    await execa('node', ['ml/ingest.mjs'], { cwd: a });
    await execa('node', ['ml/ingest.mjs'], { cwd: b });
    const csv = read(a, 'data/raw/employees.csv');
    expect(csv).toBe(read(b, 'data/raw/employees.csv'));
    const [header, ...rows] = csv.trim().split('\n');
    expect(header!.split(',')).toHaveLength(17); // id + 15 attributes + label
    expect(rows).toHaveLength(1500);
    const leaveRate = rows.filter((r) => r.endsWith(',1')).length / rows.length;
    expect(leaveRate).toBeGreaterThan(0.12);
    expect(leaveRate).toBeLessThan(0.2);
  });

  it('runs end to end, passes its recall floor, then is up to date; a param change reruns only what reads it', async () => {
    const dir = example();
    const first = await lockstep(dir, ['repro']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain('9 ran, 1 frozen');
    const m = metrics(dir);
    expect(m.recall).toBeGreaterThanOrEqual(0.7);
    expect(m.accuracy).toBeGreaterThanOrEqual(0.65);
    for (const f of ['artifacts/model.json', 'artifacts/cv.json', 'artifacts/tuning.json', 'data/processed/scaler.json']) {
      expect(() => readFileSync(join(dir, f))).not.toThrow();
    }
    expect((await lockstep(dir, ['repro'])).stderr).toContain('9 skipped, 1 frozen');

    writeTree(dir, { 'params.yaml': read(dir, 'params.yaml').replace('C: 1.0 ', 'C: 0.5 ') });
    const r = await lockstep(dir, ['repro', '--json']);
    const ran = JSON.parse(r.stdout).stages.filter((s: { status: string }) => s.status === 'ran').map((s: { name: string }) => s.name);
    expect(ran.sort()).toEqual(['cross_validate', 'evaluate', 'smoke', 'train']);
  });

  it('a fresh clone: repro reproduces the committed lock and metrics and leaves git status clean', async () => {
    const dir = workspace({});
    const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO });
    for (const f of listed.stdout.split('\0').filter((p) => p && existsSync(join(REPO, p)))) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(REPO, f), join(dir, f));
    }
    const git = (...args: string[]) => execa('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-qm', 'clone');
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    appendFileSync(join(dir, '.git/info/exclude'), '/node_modules\n');
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    // evaluate, cross_validate, smoke and drift: committed metrics, identical inputs; reference: frozen
    expect(r.stderr.split('\n').at(-1)).toMatch(/^5 ran, 4 skipped, 1 frozen/);
    expect((await git('status', '--porcelain', '--untracked-files=all')).stdout).toBe('');
  });

  it('passes its gates with the default params and fails them with the documented bad setting', async () => {
    const dir = example();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const ok = await lockstep(dir, ['gate']);
    expect(ok.exitCode, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^PASS/);
    writeTree(dir, { 'params.yaml': read(dir, 'params.yaml').replace('oversample: true ', 'oversample: false') });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const bad = await lockstep(dir, ['gate']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/^recall\s+0\.3\d*.*FAIL/m);
  });

  it('evaluate writes recall, precision and count per slice; a slice under 30 test rows gets its count only', () => {
    const slices = JSON.parse(read(REPO, 'artifacts/metrics.json')).slices as Record<string, { recall?: number; precision?: number; count: number }>;
    const names = Object.keys(slices);
    for (const attribute of ['department', 'overtime', 'tenure_years']) expect(names.filter((n) => n.startsWith(`${attribute}=`)).length).toBeGreaterThanOrEqual(2);
    expect(names).toEqual(expect.arrayContaining(['overtime=Yes', 'overtime=No', 'department=Sales']));
    const small = names.filter((n) => slices[n]!.count < 30);
    expect(small).toEqual(['tenure_years=21+']);
    for (const n of names) expect(Object.keys(slices[n]!).sort()).toEqual(small.includes(n) ? ['count'] : ['count', 'precision', 'recall']);
    expect(names.reduce((sum, n) => sum + (n.startsWith('overtime=') ? slices[n]!.count : 0), 0)).toBe(300);
  });

  it('ingest.drift 0.5 fails the drift gate while recall still passes', async () => {
    const dir = example();
    writeTree(dir, { 'params.yaml': read(dir, 'params.yaml').replace(/drift: 0\.0 /, 'drift: 0.5 ') });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const r = await lockstep(dir, ['gate']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^drift\.share_drifted\s+0\.4\s.*FAIL/m);
    expect(r.stdout).toMatch(/^recall\s+0\.\d+\s.*pass$/m);
    const drift = JSON.parse(read(dir, 'artifacts/drift.json')).drift as { psi: Record<string, number> };
    expect(drift.psi.age).toBeGreaterThan(0.2);
    expect(drift.psi.department).toBe(0);
  });

  it('a change that breaks predict fails the smoke gate while the metrics pass; an impossible prediction fails its gate', async () => {
    const dir = example();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const metricsBefore = read(dir, 'artifacts/metrics.json');
    // A plausible slip: categories matched case-sensitively, so `"overtime": "yes"` no longer reads.
    writeTree(dir, { 'ml/score.mjs': read(dir, 'ml/score.mjs').replace('v.toLowerCase() === String(raw).toLowerCase()', 'v === raw') });
    const rerun = await lockstep(dir, ['repro', '--json']);
    expect(JSON.parse(rerun.stdout).stages.filter((s: { status: string }) => s.status === 'ran').map((s: { name: string }) => s.name)).toEqual(['smoke']);
    expect(read(dir, 'artifacts/metrics.json')).toBe(metricsBefore);
    const smoke = await lockstep(dir, ['gate']);
    expect(smoke.exitCode).toBe(1);
    expect(smoke.stdout).toMatch(/^smoke\.failed\s+1\s.*FAIL/m);
    expect(smoke.stdout).toMatch(/^recall\s+0\.8298\s.*pass$/m);
    expect(JSON.parse(read(dir, 'artifacts/smoke.json')).failures[0]).toContain('burnt-out sales representative: expected Very High, got department must be one of');

    writeTree(dir, { 'ml/lib.mjs': read(dir, 'ml/lib.mjs').replace('  return sigmoid(z);\n}', '  return 2 * sigmoid(z);\n}') });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const invalid = await lockstep(dir, ['gate']);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toMatch(/^invalid_predictions\s+[1-9]\d*\s.*FAIL/m);
  });

  it('predict gives a high-risk profile a higher leave probability than a low-risk one', async () => {
    const dir = example();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const predict = async (employee: object) =>
      JSON.parse((await execa('node', ['ml/predict.mjs', '--json', JSON.stringify(employee)], { cwd: dir })).stdout) as { probability: number; prediction: number; risk: string };
    const high = await predict({ overtime: 'Yes', job_satisfaction: 1, environment_satisfaction: 1, work_life_balance: 1, years_since_last_promotion: 7, years_at_company: 8, marital_status: 'Single' });
    const low = await predict({ overtime: 'No', job_satisfaction: 4, environment_satisfaction: 4, work_life_balance: 4, years_since_last_promotion: 0, marital_status: 'Married' });
    expect(high.probability).toBeGreaterThan(low.probability);
    expect(high.prediction).toBe(1);
    expect(['High', 'Very High']).toContain(high.risk);
    const bad = await execa('node', ['ml/predict.mjs', '--json', '{"age": 5}'], { cwd: dir, reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('age must be a number from 18 to 70');
  });

  it('a validation failure stops the pipeline with the stage named', async () => {
    const dir = example();
    writeTree(dir, { 'params.yaml': read(dir, 'params.yaml').replace('missing_rate: 0.01', 'missing_rate: 0.2') });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: stage validate failed with exit code 1');
    expect(r.stderr).toContain('validate: FAILED distance_from_home null rate');
    expect(r.stderr).toMatch(/stage prepare did not run: upstream stage failed: validate/);
  });
});
