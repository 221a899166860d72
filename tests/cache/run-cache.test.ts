import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `stages:
  prepare:
    cmd: ${stage('prepare', 'copy:raw.csv=data/clean/part.csv')}
    deps: [raw.csv]
    outs: [data/clean]
  train:
    cmd: node train.cjs \${train.C}
    deps: [data/clean, train.cjs]
    params: [train.C]
    outs: [model.txt]
    metrics:
      - metrics.json: {cache: false}
`;

/** train writes a model that differs on every run (like real training with an unseeded RNG). */
const TRAIN_SCRIPT = `const fs = require('fs');
fs.appendFileSync('runlog.txt', 'train\\n');
fs.writeFileSync('model.txt', 'C=' + process.argv[2] + ' ' + Math.random());
fs.writeFileSync('metrics.json', '{"recall": 0.8}');
`;

function project(): string {
  return workspace({ 'raw.csv': 'a,b\n1,2\n', 'params.yaml': 'train:\n  C: 1\n', 'pipeline.yaml': PIPELINE, 'train.cjs': TRAIN_SCRIPT }, { git: true });
}

const setC = (dir: string, c: string) => writeTree(dir, { 'params.yaml': `train:\n  C: ${c}\n` });
const objectsDir = (dir: string) => join(dir, '.lockstep/cache/files/sha256');
const allObjects = (dir: string) =>
  existsSync(objectsDir(dir)) ? readdirSync(objectsDir(dir), { recursive: true }).map(String).filter((f) => f.includes('/')) : [];

describe('run-cache', () => {
  it('restores byte-identical outputs without running when the out and the lock are deleted', async () => {
    const dir = project();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    ranStages(dir);
    const model = read(dir, 'model.txt');
    const lock = read(dir, 'pipeline.lock');
    rmSync(join(dir, 'model.txt'));
    rmSync(join(dir, 'metrics.json'));
    rmSync(join(dir, 'data'), { recursive: true });
    rmSync(join(dir, 'pipeline.lock'));
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('prepare: will run (would restore from run-cache');
    const r = await lockstep(dir, ['repro', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual([]);
    expect(read(dir, 'model.txt')).toBe(model);
    expect(read(dir, 'metrics.json')).toContain('0.8');
    expect(read(dir, 'data/clean/part.csv')).toBe('a,b\n1,2\n');
    expect(read(dir, 'pipeline.lock')).toBe(lock);
    const stages = JSON.parse(r.stdout).stages;
    expect(stages.map((s: { status: string }) => s.status)).toEqual(['restored', 'restored']);
    expect(stages[1].restoredFrom).toMatch(/^[0-9a-f]{8}$/);
    expect(r.stderr).toMatch(/Stage 'train' restored from run-cache \([0-9a-f]{8}\)/);
  });

  it('C: 1, then 0.5, then back to 1: the third run restores', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    const first = read(dir, 'model.txt');
    setC(dir, '0.5');
    await lockstep(dir, ['repro']);
    expect(read(dir, 'model.txt')).toMatch(/^C=0.5 /);
    ranStages(dir);
    setC(dir, '1');
    const r = await lockstep(dir, ['repro']);
    expect(r.stderr).toContain("Stage 'train' restored from run-cache");
    expect(ranStages(dir)).toEqual([]);
    expect(read(dir, 'model.txt')).toBe(first);
  });

  it('a non-deterministic stage forced three times restores its newest result; --no-run-cache runs', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    await lockstep(dir, ['repro', '--force', 'train']);
    await lockstep(dir, ['repro', '--force', 'train']);
    const newest = read(dir, 'model.txt');
    ranStages(dir);
    rmSync(join(dir, 'pipeline.lock'));
    rmSync(join(dir, 'model.txt'));
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual([]);
    expect(read(dir, 'model.txt')).toBe(newest);
    rmSync(join(dir, 'pipeline.lock'));
    await lockstep(dir, ['repro', '--no-run-cache']);
    expect(ranStages(dir)).toEqual(['prepare', 'train']);
  });

  it('runs the stage when its objects were removed from the cache', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    const modelSha = /path: model.txt, sha256: ([0-9a-f]{64})/.exec(read(dir, 'pipeline.lock'))![1]!;
    rmSync(join(objectsDir(dir), modelSha.slice(0, 2), modelSha.slice(2)), { force: true });
    rmSync(join(dir, 'pipeline.lock'));
    ranStages(dir);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['train']);
  });

  it('records nothing for persist outs, plain cache: false outs, always_changed stages or stages without deps', async () => {
    const dir = workspace({
      'in.txt': 'x',
      'pipeline.yaml': `stages:
  persist:
    cmd: ${stage('persist', 'write:p.txt=1')}
    deps: [in.txt]
    outs: [{p.txt: {persist: true}}]
  uncached:
    cmd: ${stage('uncached', 'write:u.txt=1')}
    deps: [in.txt]
    outs: [{u.txt: {cache: false}}]
  always:
    cmd: ${stage('always', 'write:a.txt=1')}
    deps: [in.txt]
    outs: [a.txt]
    always_changed: true
  nodeps:
    cmd: ${stage('nodeps', 'write:n.txt=1')}
    outs: [n.txt]
`,
    });
    await lockstep(dir, ['repro']);
    expect(existsSync(join(dir, '.lockstep/cache/runs'))).toBe(false);
    rmSync(join(dir, 'pipeline.lock'));
    ranStages(dir);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir).sort()).toEqual(['always', 'nodeps', 'persist', 'uncached']);
  });
});

describe('checkout', () => {
  it('makes outs match the lock after a branch switch; refuses to overwrite unsaved work without --force', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    const lockC1 = read(dir, 'pipeline.lock');
    const modelC1 = read(dir, 'model.txt');
    setC(dir, '0.5');
    await lockstep(dir, ['repro']);
    // what `git checkout other-branch` does: the lock changes, the git-ignored outs do not
    writeFileSync(join(dir, 'pipeline.lock'), lockC1);
    setC(dir, '1');
    const r = await lockstep(dir, ['checkout']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'model.txt')).toBe(modelC1);
    expect((await lockstep(dir, ['status', '--exit-code'])).exitCode).toBe(0);

    writeFileSync(join(dir, 'model.txt'), 'my experiment');
    setC(dir, '1');
    const refused = await lockstep(dir, ['checkout']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('not overwritten, their current content is not in the cache and would be lost:\n  model.txt');
    expect(read(dir, 'model.txt')).toBe('my experiment');
    expect((await lockstep(dir, ['checkout', '--force'])).exitCode).toBe(0);
    expect(read(dir, 'model.txt')).toBe(modelC1);
  });

  it('lists outs whose objects are missing with a hint', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    rmSync(join(dir, '.lockstep/cache'), { recursive: true });
    rmSync(join(dir, 'model.txt'));
    const r = await lockstep(dir, ['checkout']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('not in the cache:\n  model.txt');
    expect(r.stderr).toContain('hint: run lockstep pull to fetch them from the remote, or lockstep repro to rebuild them');
  });

  it.each(['hardlink', 'symlink', 'copy'])('cache.link: %s', async (mode) => {
    const dir = project();
    writeTree(dir, { '.lockstep/config.yaml': `cache:\n  link: ${mode}\n` });
    await lockstep(dir, ['repro']);
    rmSync(join(dir, 'model.txt'));
    expect((await lockstep(dir, ['checkout'])).exitCode).toBe(0);
    const st = lstatSync(join(dir, 'model.txt'));
    if (mode === 'symlink') expect(st.isSymbolicLink()).toBe(true);
    if (mode === 'hardlink') expect(st.nlink).toBeGreaterThan(1);
    if (mode !== 'copy') expect(statSync(join(dir, 'model.txt')).mode & 0o222).toBe(0);
    else expect(st.mode & 0o200).not.toBe(0);
    expect((await lockstep(dir, ['status', '--exit-code'])).exitCode).toBe(0);
  });

  it('a bad cache.link is a config error', async () => {
    const dir = project();
    writeTree(dir, { '.lockstep/config.yaml': 'cache:\n  link: teleport\n' });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('.lockstep/config.yaml is invalid');
  });
});

describe('gc and verify', () => {
  it('--workspace removes what the current lock does not reference, prunes run records, never touches the lock\'s objects', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    setC(dir, '0.5');
    await lockstep(dir, ['repro']);
    const before = allObjects(dir).length;
    // Only the C=1 model goes: metrics.json has the same bytes in both runs, so one object serves both.
    const dry = await lockstep(dir, ['gc', '--dry']);
    expect(dry.stdout).toMatch(/^would remove 1 object \(\d+ B\), kept \d+; 1 run record pruned$/);
    expect(allObjects(dir)).toHaveLength(before);
    const r = await lockstep(dir, ['gc', '--workspace']);
    expect(r.stdout).toMatch(/^removed 1 object /);
    expect(allObjects(dir)).toHaveLength(before - 1);
    rmSync(join(dir, 'model.txt'));
    expect((await lockstep(dir, ['checkout'])).exitCode).toBe(0);
    // The C=1 record was pruned with its objects, so going back runs instead of restoring nothing.
    setC(dir, '1');
    ranStages(dir);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['train']);
  });

  it('--all-commits keeps every object a committed lock references', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'C=1', '--allow-empty'], { cwd: dir });
    execaSync('git', ['add', 'pipeline.lock'], { cwd: dir });
    execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'lock'], { cwd: dir });
    setC(dir, '0.5');
    await lockstep(dir, ['repro']);
    const r = await lockstep(dir, ['gc', '--all-commits']);
    expect(r.stdout).toMatch(/^removed 0 objects/);
  });

  it('cache verify moves a corrupt object aside and checkout never serves it', async () => {
    const dir = project();
    await lockstep(dir, ['repro']);
    const sha = /path: model.txt, sha256: ([0-9a-f]{64})/.exec(read(dir, 'pipeline.lock'))![1]!;
    const obj = join(objectsDir(dir), sha.slice(0, 2), sha.slice(2));
    chmodSync(obj, 0o644);
    writeFileSync(obj, 'C=1 bitrot!!!!!!!!!!!!!!!!!!!!!!!!');
    const v = await lockstep(dir, ['cache', 'verify']);
    expect(v.exitCode).toBe(1);
    expect(v.stderr).toContain(`corrupt object ${sha} moved to`);
    expect(existsSync(obj)).toBe(false);
    rmSync(join(dir, 'model.txt'));
    const c = await lockstep(dir, ['checkout']);
    expect(c.stderr).toContain('not in the cache:\n  model.txt');
    expect((await lockstep(dir, ['cache', 'verify'])).exitCode).toBe(0);
  });

  it('SIGKILL while objects are written never leaves a partial object under its final name', async () => {
    const dir = workspace({
      'in.txt': 'x',
      'pipeline.yaml': `stages:\n  big:\n    cmd: node -e "const fs=require('fs'); const b=Buffer.alloc(1<<20, 7); const fd=fs.openSync('big.bin','w'); for (let i=0;i<96;i++) fs.writeSync(fd, b); fs.closeSync(fd)"\n    deps: [in.txt]\n    outs: [big.bin]\n`,
    });
    const run = execa('node', [CLI, 'repro'], { cwd: dir, reject: false });
    const deadline = Date.now() + 20_000;
    // Kill as soon as the stage's output exists, i.e. while it is being hashed and copied into the cache.
    while (!existsSync(join(dir, 'big.bin')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    run.kill('SIGKILL');
    await run;
    for (const rel of allObjects(dir).filter((f) => !f.split('/').pop()!.startsWith('.'))) {
      const [fan, rest] = rel.split('/');
      const bytes = readFileSync(join(objectsDir(dir), rel));
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(fan! + rest!);
    }
    expect((await lockstep(dir, ['cache', 'verify'])).exitCode).toBe(0);
    const again = await lockstep(dir, ['repro']);
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
