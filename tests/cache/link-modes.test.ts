import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const objectsDir = (dir: string) => join(dir, '.lockstep/cache/files/sha256');
const objectContents = (dir: string) =>
  readdirSync(objectsDir(dir), { recursive: true })
    .map(String)
    .filter((f) => f.includes('/'))
    .map((f) => readFileSync(join(objectsDir(dir), f), 'utf8'));

describe.each(['hardlink', 'symlink'])('cache.link: %s never lets a stage write into the cache', (mode) => {
  it('a cache: false metrics file restored from the run-cache is a real, writable file', async () => {
    const dir = workspace({
      'in.txt': 'x',
      '.lockstep/config.yaml': `cache:\n  link: ${mode}\n`,
      'pipeline.yaml': `stages:
  s:
    cmd: ${stage('s', 'write:model.bin=m', 'write:metrics.json={"recall": 0.8}')}
    deps: [in.txt]
    outs: [model.bin]
    metrics:
      - metrics.json: {cache: false}
`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    rmSync(join(dir, 'metrics.json'));
    rmSync(join(dir, 'model.bin'));
    rmSync(join(dir, 'pipeline.lock'));
    const r = await lockstep(dir, ['repro']);
    expect(r.stderr).toContain('restored from run-cache');
    const metrics = lstatSync(join(dir, 'metrics.json'));
    expect(metrics.isSymbolicLink()).toBe(false);
    expect(metrics.nlink).toBe(1);
    expect(metrics.mode & 0o200).toBe(0o200);
    // The cached out keeps the configured mode.
    const model = lstatSync(join(dir, 'model.bin'));
    expect(mode === 'symlink' ? model.isSymbolicLink() : model.nlink > 1).toBe(true);
    expect((await lockstep(dir, ['gate', '--gate', 'recall >= 0.5'])).exitCode).toBe(0);
    rmSync(join(dir, 'metrics.json'));
    expect((await lockstep(dir, ['checkout'])).exitCode).toBe(0);
    expect(lstatSync(join(dir, 'metrics.json')).isSymbolicLink()).toBe(false);
  });

  it('a persist out that a stage appends to is unlinked into a private copy first', async () => {
    const dir = workspace({
      'in.txt': 'x',
      '.lockstep/config.yaml': `cache:\n  link: ${mode}\n`,
      'append.cjs': `const fs = require('fs');
fs.appendFileSync('runlog.txt', 'grow\\n');
try { fs.chmodSync('history/log.txt', 0o644); } catch {}
fs.mkdirSync('history', { recursive: true });
fs.appendFileSync('history/log.txt', 'run\\n');
`,
      'pipeline.yaml': `stages:
  grow:
    cmd: node append.cjs
    deps: [in.txt]
    outs:
      - history: {persist: true}
`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    rmSync(join(dir, 'history'), { recursive: true });
    expect((await lockstep(dir, ['checkout'])).exitCode).toBe(0);
    const linked = lstatSync(join(dir, 'history/log.txt'));
    expect(mode === 'symlink' ? linked.isSymbolicLink() : linked.nlink > 1).toBe(true);
    writeTree(dir, { 'in.txt': 'y' });
    ranStages(dir);
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['grow']);
    expect(read(dir, 'history/log.txt')).toBe('run\nrun\n');
    expect(objectContents(dir)).toContain('run\n');
    expect(objectContents(dir).filter((c) => c === 'run\nrun\n')).toHaveLength(1);
  });
});
