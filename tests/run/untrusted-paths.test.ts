import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

/** A repository in `<tmp>/repo` with a sibling `<tmp>/victim` holding a file that must survive. */
function repoBesideVictim(files: Record<string, string>): { repo: string; victim: string } {
  const outer = workspace({ 'victim/important.txt': 'keep me\n' });
  const repo = join(outer, 'repo');
  mkdirSync(repo);
  writeTree(repo, files);
  return { repo, victim: join(outer, 'victim') };
}

const DIR_PIPELINE = `stages:\n  s:\n    cmd: ${stage('s', 'write:d/o.txt=hi')}\n    outs: [d]\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function storeObject(repo: string, text: string): string {
  const digest = sha256(text);
  const path = join(repo, '.lockstep/cache/files/sha256', digest.slice(0, 2), digest.slice(2));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return digest;
}

describe('paths from a lock, a run record or a manifest never leave the repository', () => {
  it('a lock edited to name ../written-outside is not obeyed by checkout', async () => {
    const { repo } = repoBesideVictim({ 'pipeline.yaml': DIR_PIPELINE });
    expect((await lockstep(repo, ['repro'])).exitCode).toBe(0);
    writeFileSync(join(repo, 'pipeline.lock'), read(repo, 'pipeline.lock').replace('path: d,', 'path: ../written-outside.txt,'));
    const r = await lockstep(repo, ['checkout', '--force']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ignored, their lock entries name other outs than pipeline.yaml declares:\n  s');
    expect(existsSync(join(repo, '../written-outside.txt'))).toBe(false);
  });

  it('checkout --force with a lock naming ../victim deletes nothing there', async () => {
    const { repo, victim } = repoBesideVictim({ 'pipeline.yaml': DIR_PIPELINE });
    expect((await lockstep(repo, ['repro'])).exitCode).toBe(0);
    writeFileSync(join(repo, 'pipeline.lock'), read(repo, 'pipeline.lock').replace('path: d,', 'path: ../victim,'));
    expect((await lockstep(repo, ['checkout', '--force'])).exitCode).toBe(1);
    expect(readdirSync(victim)).toEqual(['important.txt']);
  });

  it('a directory manifest naming ../ entries or a digest that is not one is refused, nothing written', async () => {
    const { repo, victim } = repoBesideVictim({ 'pipeline.yaml': DIR_PIPELINE });
    expect((await lockstep(repo, ['repro'])).exitCode).toBe(0);
    const payload = storeObject(repo, 'owned\n');
    for (const [entryPath, entryDigest] of [['../../victim/important.txt', payload], ['x.txt', '../../../../../victim/important.txt']]) {
      const manifest = JSON.stringify([{ path: entryPath, sha256: entryDigest, size: 6 }]);
      const digest = storeObject(repo, manifest);
      const lock = read(repo, 'pipeline.lock').replace(/path: d, sha256: [0-9a-f]{64}, size: \d+, nfiles: 1/, `path: d, sha256: ${digest}, size: 6, nfiles: 1`);
      writeFileSync(join(repo, 'pipeline.lock'), lock);
      rmSync(join(repo, 'd'), { recursive: true, force: true });
      const r = await lockstep(repo, ['checkout']);
      expect(r.exitCode, entryPath).not.toBe(0);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).toMatch(/refusing to check out d: its manifest names|is not a sha256 digest/);
      expect(readFileSync(join(victim, 'important.txt'), 'utf8')).toBe('keep me\n');
    }
  });

  it('an out whose parent folder is a symlink leaving the repository is not removed before the stage runs', async () => {
    const { repo, victim } = repoBesideVictim({
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:link/important.txt=new')}\n    outs: [link/important.txt]\n`,
    });
    symlinkSync(victim, join(repo, 'link'));
    const r = await lockstep(repo, ['repro']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('refusing out of stage s link/important.txt: its parent link is a symlink that leaves the repository');
    expect(ranStages(repo)).toEqual([]);
    expect(readFileSync(join(victim, 'important.txt'), 'utf8')).toBe('keep me\n');
  });

  it('a run record whose result names other paths is never restored: the stage runs', async () => {
    const { repo: dir } = repoBesideVictim({
      'in.txt': 'x',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    deps: [in.txt]\n    outs: [o.txt]\n`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    ranStages(dir);
    const runs = join(dir, '.lockstep/cache/runs');
    const [fan] = readdirSync(runs);
    const [file] = readdirSync(join(runs, fan!));
    const recordPath = join(runs, fan!, file!);
    writeFileSync(recordPath, readFileSync(recordPath, 'utf8').replace('"path":"o.txt"', '"path":"../escaped.txt"'));
    rmSync(join(dir, 'o.txt'));
    rmSync(join(dir, 'pipeline.lock'));
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
    expect(existsSync(join(dir, '../escaped.txt'))).toBe(false);
  });

  it('generated stage names with / and .. become one log file name each, inside the logs folder', async () => {
    const { repo: dir } = repoBesideVictim({
      'pipeline.yaml': `stages:\n  s:\n    foreach: ["../../escape", "a/b"]\n    do:\n      cmd: echo \${item}\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(join(dir, '.lockstep/tmp/logs')).sort()).toEqual(['s@..%2F..%2Fescape.log', 's@a%2Fb.log']);
    expect(existsSync(join(dir, '../escape.log'))).toBe(false);
  });

  it('stages named after Object.prototype members work like any other name', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  constructor:
    cmd: ${stage('constructor', 'write:a.txt=1')}
    outs: [a.txt]
  toString:
    cmd: ${stage('toString', 'copy:a.txt=b.txt')}
    deps: [a.txt]
    outs: [b.txt]
  __proto__:
    cmd: ${stage('__proto__', 'copy:b.txt=c.txt')}
    deps: [b.txt]
    outs: [c.txt]
`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['constructor', 'toString', '__proto__']);
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    expect(read(dir, 'pipeline.lock')).toContain('  __proto__:\n');
  });
});
