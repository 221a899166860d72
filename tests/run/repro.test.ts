import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

/** prepare → train → evaluate, with params, a dir out and a metrics file. */
function chain(extra: Record<string, string> = {}) {
  return workspace(
    {
      'data/raw.csv': 'a,b\n1,2\n',
      'params.yaml': 'prepare:\n  seed: 1\ntrain:\n  C: 1\n  max_iter: 100\nunused: 5\n',
      'pipeline.yaml': `stages:
  prepare:
    cmd: ${stage('prepare', 'copy:data/raw.csv=data/prepared/train.csv')}
    deps: [data/raw.csv]
    params: [prepare.seed]
    outs: [data/prepared]
  train:
    cmd: ${stage('train', 'write:model.txt=model')}
    deps: [data/prepared]
    params: [train]
    outs: [model.txt]
  evaluate:
    cmd: ${stage('evaluate', 'write:metrics.json={"recall": 0.8}')}
    deps: [model.txt]
    metrics:
      - metrics.json: {cache: false}
`,
      ...extra,
    },
    { git: true },
  );
}

describe('repro', () => {
  it('runs every stage once, then nothing; the lock is written and stable', async () => {
    const dir = chain();
    const first = await lockstep(dir, ['repro']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['prepare', 'train', 'evaluate']);
    const lock = read(dir, 'pipeline.lock');
    expect(lock).toMatch(/^version: 1\nstages:\n  evaluate:/);
    expect(lock).toContain('params.yaml: {train.C: 1, train.max_iter: 100}');
    expect(lock).toMatch(/- \{path: data\/prepared, sha256: [0-9a-f]{64}, size: 8, nfiles: 1\}/);

    const second = await lockstep(dir, ['repro']);
    expect(second.exitCode).toBe(0);
    expect(ranStages(dir)).toEqual([]);
    expect(read(dir, 'pipeline.lock')).toBe(lock);
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('up to date');
  });

  it('a changed param reruns that stage and what depends on it, nothing upstream', async () => {
    const dir = chain();
    await lockstep(dir, ['repro']);
    ranStages(dir);
    writeTree(dir, { 'params.yaml': 'prepare:\n  seed: 1\ntrain:\n  C: 0.5\n  max_iter: 100\nunused: 5\n' });
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('train: will run\n    param changed: train.C: 1 -> 0.5');
    expect(status.stdout).toContain('evaluate: will run\n    upstream stage will run: train');
    expect(status.stdout).not.toContain('prepare');
    expect((await lockstep(dir, ['status', '--exit-code'])).exitCode).toBe(1);
    await lockstep(dir, ['repro']);
    // train writes the same bytes, so evaluate is cut off early.
    expect(ranStages(dir)).toEqual(['train']);
  });

  it('unlisted params, comments, key order and 1 vs 1.0 never rerun anything', async () => {
    const dir = chain();
    await lockstep(dir, ['repro']);
    ranStages(dir);
    writeTree(dir, { 'params.yaml': '# tuned\nunused: 6\ntrain:\n  max_iter: 100.0\n  C: 1.0\nprepare: {seed: 1}\n' });
    expect((await lockstep(dir, ['status', '--exit-code'])).exitCode).toBe(0);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual([]);
  });

  it('reordering deps and outs leaves the lock byte-identical and runs nothing', async () => {
    const dir = workspace({
      'a.txt': 'a',
      'b.txt': 'b',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:x=1', 'write:y=2')}\n    deps: [a.txt, b.txt]\n    outs: [x, y]\n`,
    });
    await lockstep(dir, ['repro']);
    ranStages(dir);
    const lock = read(dir, 'pipeline.lock');
    writeTree(dir, {
      'pipeline.yaml': `stages:\n  s:\n    desc: reordered\n    cmd: ${stage('s', 'write:x=1', 'write:y=2')}\n    deps: [b.txt, a.txt]\n    outs: [y, {x: {cache: false}}]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual([]);
    expect(read(dir, 'pipeline.lock')).toBe(lock);
  });

  it('a whitespace change in cmd reruns the stage', async () => {
    const dir = chain();
    await lockstep(dir, ['repro']);
    ranStages(dir);
    const p = read(dir, 'pipeline.yaml').replace('"train"', ' "train"');
    writeTree(dir, { 'pipeline.yaml': p });
    expect((await lockstep(dir, ['status'])).stdout).toContain('train: will run\n    cmd changed');
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['train']);
  });

  it('a modified dep, a deleted out and a modified out each rerun with the reason named', async () => {
    const dir = chain();
    await lockstep(dir, ['repro']);
    ranStages(dir);
    writeTree(dir, { 'data/raw.csv': 'a,b\n3,4\n', 'metrics.json': '{"recall": 1}' });
    const status = await lockstep(dir, ['status', '--json']);
    const stages = JSON.parse(status.stdout).stages as { name: string; action: string; reasons: { message: string }[] }[];
    const byName = Object.fromEntries(stages.map((s) => [s.name, s.reasons.map((r) => r.message)]));
    expect(byName.prepare).toEqual(['dep modified: data/raw.csv']);
    expect(byName.evaluate).toEqual(['out modified: metrics.json', 'upstream stage will run: train']);
    const r = await lockstep(dir, ['repro', '--json']);
    expect(ranStages(dir)).toEqual(['prepare', 'train']);
    // train wrote the same model, so evaluate's edited metrics come back from the run-cache.
    expect(JSON.parse(r.stdout).stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'ran', 'restored']);
    expect(read(dir, 'metrics.json')).toBe('{"recall": 0.8}');
    writeFileSync(join(dir, 'model.txt'), 'tampered');
    const again = await lockstep(dir, ['status']);
    expect(again.stdout).toMatch(/train: will run \(would restore from run-cache [0-9a-f]{8}\)\n    out modified: model.txt/);
  });

  it('always_changed runs every time; frozen never runs', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  fetch:
    cmd: ${stage('fetch', 'write:f.txt=1')}
    outs: [f.txt]
    always_changed: true
  old:
    cmd: ${stage('old', 'write:o.txt=1')}
    outs: [o.txt]
    frozen: true
`,
      'o.txt': 'kept',
    });
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['fetch']);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['fetch']);
    expect(read(dir, 'o.txt')).toBe('kept');
  });

  it('env vars declared by a stage are part of its fingerprint, digested, and stages see LOCKSTEP_ROOT/STAGE', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'env:SEED=seed.txt', 'env:LOCKSTEP_STAGE=stage.txt', 'env:LOCKSTEP_ROOT=root.txt')}\n    env: [SEED]\n    outs: [seed.txt, stage.txt, root.txt]\n`,
    });
    await lockstep(dir, ['repro'], { SEED: 'secret-42' });
    expect(read(dir, 'seed.txt')).toBe('secret-42');
    expect(read(dir, 'stage.txt')).toBe('s');
    expect(read(dir, 'root.txt')).toBe(dir);
    expect(read(dir, 'pipeline.lock')).not.toContain('secret-42');
    ranStages(dir);
    await lockstep(dir, ['repro'], { SEED: 'secret-42' });
    expect(ranStages(dir)).toEqual([]);
    const status = await lockstep(dir, ['status'], { SEED: 'other' });
    expect(status.stdout).toContain('env changed: SEED');
  });

  it('targets bring their upstream; --single-item and --downstream as DVC', async () => {
    const dir = chain();
    await lockstep(dir, ['repro', 'train']);
    expect(ranStages(dir)).toEqual(['prepare', 'train']);
    await lockstep(dir, ['repro', '--force', '--single-item', 'train']);
    expect(ranStages(dir)).toEqual(['train']);
    await lockstep(dir, ['repro', '--force', '--downstream', 'train']);
    expect(ranStages(dir)).toEqual(['train', 'evaluate']);
    const unknown = await lockstep(dir, ['repro', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown stage 'nope'");
  });

  it('--dry prints the plan and runs nothing; --json prints a machine summary on stdout', async () => {
    const dir = chain();
    const dry = await lockstep(dir, ['repro', '--dry']);
    expect(dry.stdout).toContain('prepare: would run');
    expect(ranStages(dir)).toEqual([]);
    expect(existsSync(join(dir, 'pipeline.lock'))).toBe(false);
    const r = await lockstep(dir, ['repro', '--json']);
    const summary = JSON.parse(r.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'ran', 'ran']);
    expect(r.stderr).toContain('3 ran');
  });

  it('stores cached outs as verified objects, directories as manifests; uncached metrics only for the run-cache', async () => {
    const dir = chain();
    await lockstep(dir, ['repro']);
    const lock = read(dir, 'pipeline.lock');
    const shaOf = (path: string) => new RegExp(`path: ${path}, sha256: ([0-9a-f]{64})`).exec(lock)![1]!;
    const objectPath = (sha: string) => join(dir, '.lockstep/cache/files/sha256', sha.slice(0, 2), sha.slice(2));
    expect(readFileSync(objectPath(shaOf('model.txt')), 'utf8')).toBe('model');
    const manifest = JSON.parse(readFileSync(objectPath(shaOf('data/prepared')), 'utf8'));
    expect(manifest).toEqual([{ path: 'train.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: 8 }]);
    // evaluate is run-cache eligible, so its cache: false metrics are kept for restores.
    expect(existsSync(objectPath(shaOf('metrics.json')))).toBe(true);
    const leftovers = readdirSync(join(dir, '.lockstep/cache/files/sha256'), { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('works outside a git repository and creates .lockstep/ with a .gitignore on first use', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(read(dir, '.lockstep/.gitignore')).toContain('/cache/');
  });
});
