import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRemote, cloneOf, commitAll, openDirect, remoteKinds } from '../helpers/remotes.js';
import { useS3rver } from '../helpers/s3rver.js';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `stages:
  prepare:
    cmd: ${stage('prepare', 'copy:raw.csv=data/clean/part.csv', 'write:data/clean/more.txt=more')}
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

/** train writes a model that differs on every run, like real training with an unseeded RNG. */
const TRAIN = `const fs = require('fs');
fs.appendFileSync('runlog.txt', 'train\\n');
fs.writeFileSync('model.txt', 'C=' + process.argv[2] + ' ' + Math.random());
fs.writeFileSync('metrics.json', '{"recall": 0.8}');
`;

const project = () =>
  workspace(
    { 'raw.csv': 'a,b\n1,2\n', 'params.yaml': 'train:\n  C: 1\n', 'pipeline.yaml': PIPELINE, 'train.cjs': TRAIN, '.gitignore': 'runlog.txt\n/data/\n/model.txt\n' },
    { git: true },
  );
const setC = (dir: string, c: string) => writeTree(dir, { 'params.yaml': `train:\n  C: ${c}\n` });

const s3 = useS3rver();

describe.each(remoteKinds(s3))('sharing results through a $name remote', (kind) => {
  const run = (dir: string, args: string[]) => lockstep(dir, args, kind.env());

  it('a clone pulls what the other pushed and has nothing to run; a second push uploads nothing', async () => {
    const a = project();
    const remote = kind.fresh();
    await addRemote(a, remote);
    expect((await run(a, ['repro'])).exitCode).toBe(0);
    commitAll(a);
    const pushed = await run(a, ['push']);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/[1-9]\d* uploaded .*0 already there, 0 failed; (1 run record|[2-9]\d* run records|[1-9]\d{1,} run records) updated/);
    const again = await run(a, ['push']);
    expect(again.stderr).toMatch(/ 0 uploaded \(0 B\), [1-9]\d* already there, 0 failed; 0 run records updated/);

    const b = cloneOf(a);
    const status = await run(b, ['status', '--remote']);
    expect(status.stdout).toMatch(/in sync\s+data\/clean \(prepare\)/);
    const pulled = await run(b, ['pull']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    for (const f of ['model.txt', 'data/clean/part.csv', 'data/clean/more.txt', 'metrics.json']) expect(read(b, f)).toBe(read(a, f));
    const repro = await run(b, ['repro']);
    expect(repro.exitCode).toBe(0);
    expect(ranStages(b)).toEqual([]);
    rmSync(b, { recursive: true, force: true });
  });

  it('the run-cache travels by default: a clone restores a param combination only the other clone ran', async () => {
    const a = project();
    const remote = kind.fresh();
    await addRemote(a, remote);
    await run(a, ['repro']);
    setC(a, '0.5');
    await run(a, ['repro']);
    const model05 = read(a, 'model.txt');
    setC(a, '1');
    await run(a, ['repro']);
    commitAll(a);
    expect((await run(a, ['push'])).exitCode).toBe(0);

    const b = cloneOf(a);
    setC(b, '0.5');
    const r = await run(b, ['repro', '--pull']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Stage 'train' restored from remote run-cache/);
    expect(ranStages(b)).toEqual([]);
    expect(read(b, 'model.txt')).toBe(model05);
    rmSync(b, { recursive: true, force: true });
  });

  it('a corrupted remote object is rejected on pull, never stored or checked out, and named with its key', async () => {
    const a = project();
    const remote = kind.fresh();
    await addRemote(a, remote);
    await run(a, ['repro']);
    commitAll(a);
    await run(a, ['push']);
    const digest = createHash('sha256').update(read(a, 'model.txt')).digest('hex');
    const key = `files/sha256/${digest.slice(0, 2)}/${digest.slice(2)}`;
    const direct = await openDirect(remote);
    await direct.put(key, Buffer.from('tampered'));
    direct.close();

    const b = cloneOf(a);
    const r = await run(b, ['pull']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(key);
    expect(r.stderr).toMatch(/does not match its sha256/);
    expect(existsSync(join(b, 'model.txt'))).toBe(false);
    expect(existsSync(join(b, '.lockstep/cache', key))).toBe(false);
    // Everything else was fetched and checked out.
    expect(read(b, 'data/clean/part.csv')).toBe('a,b\n1,2\n');
    rmSync(b, { recursive: true, force: true });
  });

  it('an object left truncated on the remote (a killed push) is uploaded again by the next push', async () => {
    const a = project();
    const remote = kind.fresh();
    await addRemote(a, remote);
    expect((await run(a, ['repro'])).exitCode).toBe(0);
    expect((await run(a, ['push'])).exitCode).toBe(0);
    const digest = createHash('sha256').update(read(a, 'model.txt')).digest('hex');
    const direct = await openDirect(remote);
    await direct.put(`files/sha256/${digest.slice(0, 2)}/${digest.slice(2)}`, Buffer.from('trunc'));
    direct.close();
    const again = await run(a, ['push']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/ 1 uploaded /);
    expect((await run(a, ['status', '--remote'])).stdout).toMatch(/in sync\s+model.txt \(train\)/);
  });

  it('an experiment whose variant a teammate ran and pushed restores from the remote instead of running', async () => {
    const a = project();
    await addRemote(a, kind.fresh());
    expect((await run(a, ['repro'])).exitCode).toBe(0);
    commitAll(a);
    setC(a, '2');
    expect((await run(a, ['repro'])).exitCode).toBe(0);
    expect((await run(a, ['push'])).exitCode).toBe(0);
    const b = cloneOf(a);
    expect((await run(b, ['pull'])).exitCode).toBe(0);
    ranStages(b);
    const r = await run(b, ['exp', 'run', '-S', 'train.C=2', '-n', 'c2']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(read(b, '.lockstep/exps/c2.json')).stages.train).toBe('restored');
    rmSync(b, { recursive: true, force: true });
  });

  it('tracked data (lockstep add) travels like any cached out: pushed, pulled into a clone, named by its path', async () => {
    const a = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    deps: [raw]\n    outs: [o.txt]\n`, '.gitignore': 'runlog.txt\n' }, { git: true });
    writeTree(a, { 'raw/a.csv': 'x\n1\n', 'raw/b.csv': 'x\n2\n' });
    await addRemote(a, kind.fresh());
    expect((await run(a, ['add', 'raw'])).exitCode).toBe(0);
    expect((await run(a, ['repro'])).exitCode).toBe(0);
    commitAll(a);
    const pushed = await run(a, ['push', 'raw']);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect((await run(a, ['push'])).exitCode).toBe(0);
    const b = cloneOf(a);
    expect(existsSync(join(b, 'raw'))).toBe(false);
    const status = await run(b, ['status', '--remote']);
    expect(status.stdout).toMatch(/in sync\s+raw \(raw\)/);
    // repro --pull brings the data a stage reads before judging it, then restores the stage.
    ranStages(a);
    const repro = await run(b, ['repro', '--pull']);
    expect(repro.exitCode, repro.stderr).toBe(0);
    expect(ranStages(b)).toEqual([]);
    expect(read(b, 'raw/b.csv')).toBe('x\n2\n');
    expect((await run(b, ['status'])).stdout).toContain('up to date');
    rmSync(b, { recursive: true, force: true });
  });

  it('--allow-missing runs and downloads nothing when only outputs are absent; status --remote tells pushed from not', async () => {
    const a = project();
    const remote = kind.fresh();
    await addRemote(a, remote);
    await run(a, ['repro']);
    commitAll(a);
    ranStages(a);
    const before = await run(a, ['status', '--remote', '--json']);
    // metrics.json is `cache: false`: git carries it, so it is not the remote's business.
    expect(JSON.parse(before.stdout).outs.map((o: { path: string; status: string }) => `${o.path} ${o.status}`)).toEqual(['data/clean not pushed', 'model.txt not pushed']);
    await run(a, ['push', 'prepare']);
    const after = await run(a, ['status', '--remote']);
    expect(after.stdout).toMatch(/in sync\s+data\/clean \(prepare\)/);
    expect(after.stdout).toMatch(/not pushed\s+model.txt \(train\)/);

    const b = cloneOf(a);
    const r = await run(b, ['repro', '--allow-missing']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(b)).toEqual([]);
    expect(existsSync(join(b, 'model.txt'))).toBe(false);
    expect(existsSync(join(b, '.lockstep/cache/files'))).toBe(false);
    expect((await run(b, ['status', '--allow-missing'])).stdout).toContain('up to date');
    rmSync(b, { recursive: true, force: true });
  });
});

describe('a directory whose files are not all in the local cache', () => {
  it('is pushed as far as it can be, but never its manifest: the remote never vouches for a file it lacks', async () => {
    const [dirKind] = remoteKinds(s3);
    const a = project();
    await addRemote(a, dirKind!.fresh());
    await lockstep(a, ['repro']);
    const digest = createHash('sha256').update('more').digest('hex');
    rmSync(join(a, '.lockstep/cache/files/sha256', digest.slice(0, 2), digest.slice(2)));
    const r = await lockstep(a, ['push', '--no-run-cache']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: not in the local cache, so not pushed:\n  data\/clean/);
    expect(r.stderr).toMatch(/ 0 failed/);
    const status = await lockstep(a, ['status', '--remote']);
    expect(status.stdout).toMatch(/missing on remote\s+data\/clean \(prepare\)/);
    expect(status.stdout).toMatch(/in sync\s+model.txt \(train\)/);
  });
});

describe('repro --pull pulls missing outputs of up-to-date stages instead of rebuilding them', () => {
  it('the upstream stage is restored from the remote, the changed stage runs', async () => {
    const [dirKind] = remoteKinds(s3);
    const a = project();
    await addRemote(a, dirKind!.fresh());
    await lockstep(a, ['repro']);
    commitAll(a);
    await lockstep(a, ['push', '--no-run-cache']);
    const b = cloneOf(a);
    writeFileSync(join(b, 'train.cjs'), `${TRAIN}// changed\n`);
    const r = await lockstep(b, ['repro', '--pull']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("Stage 'prepare' restored from the remote cache");
    expect(ranStages(b)).toEqual(['train']);
    expect(readdirSync(join(b, 'data/clean')).sort()).toEqual(['more.txt', 'part.csv']);
    rmSync(b, { recursive: true, force: true });
  });
});
