import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, read, REPO, workspace, writeTree } from '../helpers/workspace.js';

/** A copy of the repository's example pipeline in a temp dir (node_modules linked for `yaml`). */
function example(): string {
  const dir = workspace({});
  for (const f of ['pipeline.yaml', 'params.yaml', 'ml']) cpSync(join(REPO, f), join(dir, f), { recursive: true });
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
    expect(first.stderr).toContain('7 ran');
    const m = metrics(dir);
    expect(m.recall).toBeGreaterThanOrEqual(0.7);
    expect(m.accuracy).toBeGreaterThanOrEqual(0.65);
    for (const f of ['artifacts/model.json', 'artifacts/cv.json', 'artifacts/tuning.json', 'data/processed/scaler.json']) {
      expect(() => readFileSync(join(dir, f))).not.toThrow();
    }
    expect((await lockstep(dir, ['repro'])).stderr).toContain('7 skipped');

    writeTree(dir, { 'params.yaml': read(dir, 'params.yaml').replace('C: 1.0 ', 'C: 0.5 ') });
    const r = await lockstep(dir, ['repro', '--json']);
    const ran = JSON.parse(r.stdout).stages.filter((s: { status: string }) => s.status === 'ran').map((s: { name: string }) => s.name);
    expect(ran.sort()).toEqual(['cross_validate', 'evaluate', 'train']);
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
    expect(r.stderr.split('\n').at(-1)).toMatch(/^5 ran, 2 skipped/); // evaluate and cross_validate: committed metrics, identical inputs
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
    expect(bad.stdout).toMatch(/recall \(artifacts\/metrics\.json\)\s+0\.3\d*.*FAIL/);
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
