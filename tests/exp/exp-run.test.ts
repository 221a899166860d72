import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../helpers/action-run.js';
import { CLI, lockstep, read } from '../helpers/workspace.js';
import { expWorkspace } from './helpers.js';

const logs: string[] = [];
afterEach(() => {
  for (const d of logs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The workspace after a first repro, committed; and the absolute run log its stages append to. */
async function ready(): Promise<{ dir: string; env: Record<string, string>; ran: () => string[] }> {
  const dir = expWorkspace();
  const logDir = mkdtempSync(join(tmpdir(), 'lockstep-runlog-'));
  logs.push(logDir);
  const env = { RUNLOG: join(logDir, 'runlog.txt'), GO: join(logDir, 'go') };
  const first = await lockstep(dir, ['repro'], env);
  expect(first.exitCode, first.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first run');
  const ran = () => {
    if (!existsSync(env.RUNLOG)) return [];
    const lines = readFileSync(env.RUNLOG, 'utf8').split('\n').filter(Boolean);
    rmSync(env.RUNLOG);
    return lines;
  };
  ran();
  return { dir, env, ran };
}

const record = (dir: string, name: string) => JSON.parse(read(dir, `.lockstep/exps/${name}.json`)) as {
  name: string;
  overrides: { file: string; key: string; value: unknown }[];
  stages: Record<string, string>;
  lock: string;
  metrics: Record<string, Record<string, unknown>>;
  gate: { verdict: string; failed: string[] };
  baseCommit: string;
  status: string;
};
const names = (dir: string) => (existsSync(join(dir, '.lockstep/exps')) ? readdirSync(join(dir, '.lockstep/exps')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : []);

describe('exp run', () => {
  it('runs a variant with its overrides, records it, and leaves the workspace as it was', async () => {
    const { dir, env, ran } = await ready();
    const params = read(dir, 'params.yaml');
    const lock = read(dir, 'pipeline.lock');
    const model = read(dir, 'work/model.txt');
    const r = await lockstep(dir, ['exp', 'run', '-S', 'train.C=2', '-S', 'train.weight=balanced', '--name', 'two'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('two train.C=2 train.weight=balanced: ');
    expect(ran()).toEqual(['train 2 balanced', 'evaluate ']);
    expect(read(dir, 'params.yaml')).toBe(params);
    expect(read(dir, 'pipeline.lock')).toBe(lock);
    expect(read(dir, 'work/model.txt')).toBe(model);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const rec = record(dir, 'two');
    expect(rec.overrides).toEqual([
      { file: 'params.yaml', key: 'train.C', value: 2 },
      { file: 'params.yaml', key: 'train.weight', value: 'balanced' },
    ]);
    expect(rec.baseCommit).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(rec.stages).toEqual({ prepare: 'skipped', train: 'ran', evaluate: 'ran' });
    expect(rec.metrics['work/metrics.json']).toEqual({ score: 12, loss: 1 / 12, weighted: true });
    expect(rec.gate).toEqual({ verdict: 'pass', failed: [] });
    expect(rec.lock).toContain('train.C: 2');
    // The variant's copy is gone; its outputs are in the shared cache.
    expect(readdirSync(join(dir, '.lockstep/tmp/exp'))).toEqual([]);
  });

  it('refuses a key no params file defines, naming it, and records nothing', async () => {
    const { dir, env, ran } = await ready();
    const r = await lockstep(dir, ['exp', 'run', '-S', 'train.c=2'], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('param train.c is not defined in params.yaml');
    const bad = await lockstep(dir, ['exp', 'run', '-S', 'train.C'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('expected [FILE:]KEY=VALUE');
    expect(ran()).toEqual([]);
    expect(names(dir)).toEqual([]);
  });

  it('runs a grid in parallel; each variant matches a plain repro with the same params', async () => {
    const { dir, env } = await ready();
    const r = await lockstep(dir, ['exp', 'run', '-S', 'train.C=1,3', '-S', 'prepare.scale=2,5,1', '-j', '3', '--name', 'g'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(names(dir)).toEqual(['g-1', 'g-2', 'g-3', 'g-4', 'g-5', 'g-6']);
    // One line when each variant starts and one when it ends.
    expect(r.stderr.split('\n').filter((l) => /^g-\d .*: (running|.* in )/.test(l))).toHaveLength(12);
    const params = read(dir, 'params.yaml');
    for (const name of names(dir)) {
      const rec = record(dir, name);
      const value = (key: string) => rec.overrides.find((o) => o.key === key)!.value;
      writeFileSync(join(dir, 'params.yaml'), params.replace('scale: 1', `scale: ${String(value('prepare.scale'))}`).replace('C: 1.0', `C: ${String(value('train.C'))}`));
      const plain = await lockstep(dir, ['repro', '--no-run-cache'], env);
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(rec.lock, name).toBe(read(dir, 'pipeline.lock'));
      expect(rec.metrics['work/metrics.json']!.score).toBe(6 * Number(value('prepare.scale')) * Number(value('train.C')));
    }
  });

  it('restores a variant that ran before from the run-cache without running it', async () => {
    const { dir, env, ran } = await ready();
    expect((await lockstep(dir, ['exp', 'run', '-S', 'train.C=4', '-n', 'once'], env)).exitCode).toBe(0);
    expect(ran()).toEqual(['train 4 none', 'evaluate ']);
    const again = await lockstep(dir, ['exp', 'run', '-S', 'train.C=4', '-n', 'twice'], env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(ran()).toEqual([]);
    expect(record(dir, 'twice').stages).toEqual({ prepare: 'skipped', train: 'restored', evaluate: 'restored' });
    expect(record(dir, 'twice').lock).toBe(record(dir, 'once').lock);
    expect(record(dir, 'twice').metrics).toEqual(record(dir, 'once').metrics);
    const taken = await lockstep(dir, ['exp', 'run', '-S', 'train.C=4', '-n', 'once'], env);
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain('experiment once already exists');
  });

  it('an interrupted sweep keeps the variants that finished and leaves params and copies clean', async () => {
    const { dir, env } = await ready();
    const params = read(dir, 'params.yaml');
    const run = execa('node', [CLI, 'exp', 'run', '-S', 'train.C=7,8,9', '-n', 'sweep'], { cwd: dir, reject: false, env: { ...env, BLOCK_C: '8' } });
    const deadline = Date.now() + 20_000;
    while (!existsSync(`${env.GO}.started`)) {
      if (Date.now() > deadline) throw new Error('the second variant never started');
      await new Promise((r) => setTimeout(r, 25));
    }
    run.kill('SIGINT');
    const r = await run;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('1 of 3 variants recorded; 2 not');
    expect(names(dir)).toEqual(['sweep-1']);
    expect(record(dir, 'sweep-1').metrics['work/metrics.json']!.score).toBe(42);
    expect(read(dir, 'params.yaml')).toBe(params);
    expect(readdirSync(join(dir, '.lockstep/tmp/exp'))).toEqual([]);
  });

  it('every variant of a sweep runs the code as it was when the sweep started', async () => {
    const { dir, env } = await ready();
    const train = read(dir, 'train.mjs');
    const run = execa('node', [CLI, 'exp', 'run', '-S', 'train.C=7,8', '-n', 'frozen'], { cwd: dir, reject: false, env: { ...env, BLOCK_C: '7' } });
    const deadline = Date.now() + 20_000;
    while (!existsSync(`${env.GO}.started`)) {
      if (Date.now() > deadline) throw new Error('the first variant never started');
      await new Promise((r) => setTimeout(r, 25));
    }
    writeFileSync(join(dir, 'train.mjs'), `${train}// edited during the sweep\n`);
    writeFileSync(env.GO!, '');
    expect((await run).exitCode).toBe(0);
    const digest = createHash('sha256').update(train).digest('hex');
    for (const name of ['frozen-1', 'frozen-2']) expect(record(dir, name).lock, name).toContain(`{path: train.mjs, sha256: ${digest}`);
  });

  it('works outside git and as the first command: the whole folder is copied, the cache is created, no base commit', async () => {
    const { dir, env } = await ready();
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    rmSync(join(dir, '.lockstep'), { recursive: true, force: true });
    const r = await lockstep(dir, ['exp', 'run', '-S', 'train.C=2', '-n', 'nogit'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(record(dir, 'nogit')).toMatchObject({ baseCommit: null, stages: { prepare: 'skipped', train: 'ran', evaluate: 'ran' } });
    expect(record(dir, 'nogit').metrics['work/metrics.json']!.score).toBe(12);
  });

  it('--apply and exp apply bring an experiment into the workspace: params (comments kept), lock and outputs', async () => {
    const { dir, env, ran } = await ready();
    expect((await lockstep(dir, ['exp', 'run', '-S', 'train.C=3', '-n', 'c3'], env)).exitCode).toBe(0);
    expect((await lockstep(dir, ['exp', 'run', '-S', 'prepare.scale=2', '-n', 's2'], env)).exitCode).toBe(0);
    ran();
    // gc keeps what an experiment references: exp apply needs it from the cache.
    expect((await lockstep(dir, ['gc'], env)).exitCode).toBe(0);
    const applied = await lockstep(dir, ['exp', 'apply', 'c3'], env);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(read(dir, 'params.yaml')).toBe('# knobs\nprepare:\n  scale: 1   # multiplies the data\ntrain:\n  C: 3      # inverse strength\n  weight: none\n');
    expect(read(dir, 'work/model.txt')).toBe('18 none');
    expect(JSON.parse(read(dir, 'work/metrics.json'))).toEqual({ score: 18, loss: 1 / 18, weighted: false });
    expect(read(dir, 'pipeline.lock')).toBe(record(dir, 'c3').lock);
    const status = await lockstep(dir, ['status', '--exit-code'], env);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(ran()).toEqual([]);

    const direct = await lockstep(dir, ['exp', 'run', '-S', 'train.C=5', '--apply', '-n', 'c5'], env);
    expect(direct.exitCode, direct.stderr).toBe(0);
    expect(read(dir, 'params.yaml')).toContain('C: 5      # inverse strength');
    expect(read(dir, 'work/model.txt')).toBe('30 none');
    const grid = await lockstep(dir, ['exp', 'run', '-S', 'train.C=5,6', '--apply'], env);
    expect(grid.exitCode).toBe(2);
    expect(grid.stderr).toContain('--apply needs a single variant');
    // An output edited here (not in the cache) is kept, and apply says it is only partly done: exit 1.
    writeFileSync(join(dir, 'work/model.txt'), 'my notes');
    const partial = await lockstep(dir, ['exp', 'apply', 'c3'], env);
    expect(partial.exitCode).toBe(1);
    expect(partial.stderr).toContain('c3 applied in part');
    expect(read(dir, 'work/model.txt')).toBe('my notes');
  });
});

describe('exp show, diff, remove', () => {
  it('compares experiments with the workspace and HEAD, marks the best values, and removes records', async () => {
    const { dir, env } = await ready();
    expect((await lockstep(dir, ['exp', 'run', '-S', 'train.C=0.5,3', '-n', 'c'], env)).exitCode).toBe(0);
    const shown = await lockstep(dir, ['exp', 'show', '--json']);
    expect(shown.exitCode, shown.stderr).toBe(0);
    const table = JSON.parse(shown.stdout) as { params: string[]; metrics: string[]; rows: { name: string; params: Record<string, unknown>; metrics: Record<string, unknown>; verdict: string }[]; best: Record<string, string[]> };
    expect(table.params).toEqual(['train.C']);
    expect(table.metrics).toEqual(['score', 'loss', 'weighted']);
    expect(table.rows.map((r) => [r.name, r.params['train.C'], r.metrics.score, r.verdict])).toEqual([
      ['workspace', 1, 6, 'fail'],
      ['HEAD', 1, 6, 'fail'],
      ['c-1', 0.5, 3, 'fail'],
      ['c-2', 3, 18, 'pass'],
    ]);
    // Each variant's failed gates are in the JSON (the README says so).
    expect(table.rows.map((r) => (r as { failed?: string[] }).failed?.length ?? null)).toEqual([null, null, expect.any(Number), 0]);
    expect((table.rows[2] as { failed?: string[] }).failed!.length).toBeGreaterThan(0);
    // score is better higher, loss lower (DESIGN §3.3 directions).
    expect(table.best).toEqual({ score: ['c-2'], loss: ['c-2'] });

    const text = await lockstep(dir, ['exp', 'show', '--sort', 'loss', '--only-changed']);
    expect(text.stdout.split('\n')[0]).toMatch(/^Experiment +Created +train\.C +score +loss +Gate$/);
    expect(text.stdout.split('\n').slice(1, 5).map((l) => l.split(/ +/)[0])).toEqual(['workspace', 'HEAD', 'c-2', 'c-1']);
    expect(text.stdout).toMatch(/c-2 .* 3 +18\* +0\.05556\* +pass/);
    const csv = await lockstep(dir, ['exp', 'show', '--csv']);
    expect(csv.stdout.split('\n')[0]).toBe('Experiment,Created,train.C,score,loss,weighted,Gate');
    const md = await lockstep(dir, ['exp', 'show', '--md']);
    expect(md.stdout).toContain('| **18** |');
    expect((await lockstep(dir, ['exp', 'show', '--sort', 'nope'])).exitCode).toBe(2);
    const picked = await lockstep(dir, ['exp', 'show', '--metrics', 'loss,score', '--csv']);
    expect(picked.stdout.split('\n')[0]).toBe('Experiment,Created,train.C,loss,score,Gate');
    const unknown = await lockstep(dir, ['exp', 'show', '--metrics', 'recall']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no metric named recall');

    const diff = await lockstep(dir, ['exp', 'diff', 'c-1', 'c-2']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/params\.yaml +train\.C +0\.5 +3 +\+2\.5/);
    expect(diff.stdout).toMatch(/work\/metrics\.json +score +3 +18 +\+15/);
    expect(diff.stdout).toContain('gate: c-1 fail, c-2 pass');

    const missing = await lockstep(dir, ['exp', 'remove', 'nope']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('experiments: c-1, c-2');
    expect((await lockstep(dir, ['exp', 'remove', 'c-1'])).exitCode).toBe(0);
    expect(names(dir)).toEqual(['c-2']);
    expect((await lockstep(dir, ['exp', 'remove', '--all'])).exitCode).toBe(0);
    expect(names(dir)).toEqual([]);
  });
});
