import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { primeLockMemo, readLock, serializeLock, writeLock } from '../../src/lock/lock-file.js';
import { compareStage, formatReason, type StageState } from '../../src/lock/compare.js';
import type { LockEntry } from '../../src/lock/types.js';
import { lockstep, read, stage, workspace } from '../helpers/workspace.js';

const H = (c: string) => c.repeat(64);

const entry = (overrides: Partial<LockEntry> = {}): LockEntry => ({
  cmd: 'python train.py',
  deps: [
    { path: 'z.csv', sha256: H('a'), size: 1 },
    { path: 'a.csv', sha256: H('b'), size: 2 },
  ],
  params: { 'params.yaml': { 'train.max_iter': 1000, 'train.C': 1 } },
  env: { SEED: H('c') },
  outs: [{ path: 'model', sha256: H('d'), size: 20, nfiles: 3 }],
  ...overrides,
});

describe('lock file', () => {
  it('serializes deterministically: sorted, fixed key order, one flow map per entry', () => {
    const text = serializeLock({ version: 1, stages: { train: entry(), a: entry({ cmd: ['one', 'two'] }) } });
    expect(text).toBe(serializeLock({ version: 1, stages: { a: entry({ cmd: ['one', 'two'] }), train: entry() } }));
    expect(text.split('\n').slice(0, 14).join('\n')).toBe(
      [
        'version: 1',
        'stages:',
        '  a:',
        '    cmd:',
        '      - one',
        '      - two',
        '    deps:',
        `      - {path: a.csv, sha256: ${H('b')}, size: 2}`,
        `      - {path: z.csv, sha256: ${H('a')}, size: 1}`,
        '    params:',
        '      params.yaml: {train.C: 1, train.max_iter: 1000}',
        `    env: {SEED: ${H('c')}}`,
        '    outs:',
        `      - {path: model, sha256: ${H('d')}, size: 20, nfiles: 3}`,
      ].join('\n'),
    );
  });

  it('primes the parse memo with exactly what parsing the written lock gives', () => {
    const dir = workspace({});
    const lock = { version: 1, stages: { train: entry(), a: entry({ cmd: ['x'], env: {}, params: {} }) } };
    const memo = join(dir, 'memo.json');
    writeLock(join(dir, 'pipeline.lock'), lock);
    primeLockMemo(lock, memo);
    const primed = JSON.parse(readFileSync(memo, 'utf8'));
    rmSync(memo);
    readLock(join(dir, 'pipeline.lock'), memo);
    expect(JSON.parse(readFileSync(memo, 'utf8'))).toEqual(primed);
    expect(JSON.stringify(JSON.parse(readFileSync(memo, 'utf8')).data)).toBe(JSON.stringify(primed.data));
  });

  it('round-trips', () => {
    const dir = workspace({});
    const lock = { version: 1, stages: { train: entry() } };
    writeFileSync(join(dir, 'pipeline.lock'), serializeLock(lock));
    expect(serializeLock(readLock(join(dir, 'pipeline.lock')))).toBe(serializeLock(lock));
  });

  it('a corrupt lock is a clear config error and is left as it is', async () => {
    const broken = 'version: 1\nstages:\n  s: {cmd: [unclosed\n';
    const dir = workspace({ 'pipeline.lock': broken, 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: pipeline.lock is not valid YAML');
    expect(r.stderr).toContain('hint: restore it from git');
    expect(read(dir, 'pipeline.lock')).toBe(broken);
    writeFileSync(join(dir, 'pipeline.lock'), 'version: 1\nstages:\n  s: {cmd: 3}\n');
    expect((await lockstep(dir, ['status'])).stderr).toContain('pipeline.lock is malformed at stages.s.cmd');
  });

  it('an unparsable params file is named', async () => {
    const dir = workspace({ 'params.yaml': 'a: [1,\n', 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    params: [a]\n    outs: [o]\n` });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: params.yaml: cannot parse params file');
  });

  it('tracked data: a sorted data: list after the stages, round-tripped and memoized; a lock without it has no data key', () => {
    const dir = workspace({});
    const data = [
      { path: 'data/raw.csv', sha256: H('e'), size: 8 },
      { path: 'data/images', sha256: H('f'), size: 6, nfiles: 2 },
    ];
    const lock = { version: 1, stages: {}, data };
    const text = serializeLock(lock);
    expect(text).toBe(
      `version: 1\nstages: {}\ndata:\n  - {path: data/images, sha256: ${H('f')}, size: 6, nfiles: 2}\n  - {path: data/raw.csv, sha256: ${H('e')}, size: 8}\n`,
    );
    const memo = join(dir, 'memo.json');
    writeLock(join(dir, 'pipeline.lock'), lock);
    primeLockMemo(lock, memo);
    const primed = readFileSync(memo, 'utf8');
    rmSync(memo);
    const parsed = readLock(join(dir, 'pipeline.lock'), memo);
    expect(readFileSync(memo, 'utf8')).toBe(primed);
    expect(parsed.data?.map((d) => d.path)).toEqual(['data/images', 'data/raw.csv']);
    expect(serializeLock(parsed)).toBe(text);
    expect(serializeLock({ version: 1, stages: { train: entry() } })).not.toContain('data:');
    writeFileSync(join(dir, 'old.lock'), serializeLock({ version: 1, stages: { train: entry() } }));
    expect(readLock(join(dir, 'old.lock'))).toEqual({ version: 1, stages: { train: expect.anything() } });
  });

  it('a repro that changes nothing leaves a lock without data: byte-identical', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    await lockstep(dir, ['repro']);
    const before = read(dir, 'pipeline.lock');
    const mtime = statSync(join(dir, 'pipeline.lock')).mtimeMs;
    await lockstep(dir, ['repro']);
    await lockstep(dir, ['checkout']);
    expect(read(dir, 'pipeline.lock')).toBe(before);
    expect(statSync(join(dir, 'pipeline.lock')).mtimeMs).toBe(mtime);
    expect(before).not.toMatch(/^data:/m);
  });

  it('refuses a lock of a newer version and never rewrites it', async () => {
    const newer = 'version: 2\nstages: {}\n';
    const dir = workspace({ 'pipeline.lock': newer, 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.lock has version 2, this lockstep understands up to 1');
    expect(read(dir, 'pipeline.lock')).toBe(newer);
  });
});

describe('compareStage', () => {
  const state = (e: LockEntry): StageState => ({
    cmd: e.cmd,
    deps: e.deps.map((d) => ({ path: d.path, digest: d })),
    params: e.params,
    env: e.env,
    outs: e.outs.map((o) => ({ path: o.path, digest: o })),
  });

  it('finds nothing when only order differs', () => {
    const e = entry();
    const s = state(e);
    s.deps.reverse();
    expect(compareStage(e, s)).toEqual([]);
  });

  it('names every difference', () => {
    const e = entry();
    const s = state(entry({ cmd: 'python  train.py' }));
    s.deps = [{ path: 'z.csv', digest: { path: 'z.csv', sha256: H('e'), size: 1 } }, { path: 'new.csv', digest: { path: 'new.csv', sha256: H('f'), size: 1 } }];
    s.params = { 'params.yaml': { 'train.C': 0.5, 'train.gamma': 2 } };
    s.outs = [{ path: 'model', digest: undefined }];
    expect(compareStage(e, s).map((r) => formatReason(r))).toEqual([
      'cmd changed',
      'dep modified: z.csv',
      'dep added: new.csv',
      'dep removed: a.csv',
      'param removed: train.max_iter',
      'param changed: train.C: 1 -> 0.5',
      'param added: train.gamma',
      'out missing: model',
    ]);
  });
});
