import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { addToGitignore, ignoreLine } from '../../src/git/gitignore.js';
import { lockstep, read, stage, workspace, writeTree } from '../helpers/workspace.js';

describe('.gitignore entries for cached outs', () => {
  it('one /name line per out in the .gitignore of its folder; user lines kept, nothing duplicated', () => {
    const dir = workspace({ 'models/.gitignore': '# mine\n*.tmp\n/raw/', '.gitignore': 'node_modules/\r\n' });
    expect(addToGitignore(dir, ['models/model.pkl', 'models/raw', 'data/processed', 'top.bin'])).toEqual(['models/.gitignore', 'data/.gitignore', '.gitignore']);
    expect(read(dir, 'models/.gitignore')).toBe('# mine\n*.tmp\n/raw/\n/model.pkl\n');
    expect(read(dir, 'data/.gitignore')).toBe('/processed\n');
    expect(read(dir, '.gitignore')).toBe('node_modules/\r\n/top.bin\n');
    expect(addToGitignore(dir, ['models/model.pkl', 'data/processed', 'top.bin', 'top.bin'])).toEqual([]);
    expect(read(dir, 'models/.gitignore')).toBe('# mine\n*.tmp\n/raw/\n/model.pkl\n');
  });

  it('escapes what gitignore would read as a pattern, and git agrees', () => {
    expect(ignoreLine('a*b?[c].txt')).toBe('/a\\*b\\?\\[c].txt');
    expect(ignoreLine('trailing  ')).toBe('/trailing\\ \\ ');
    const dir = workspace({}, { git: true });
    const names = ['a*b.txt', 'axb.txt', '#hash', '!bang'];
    writeTree(dir, Object.fromEntries(names.map((n) => [`d/${n}`, n])));
    addToGitignore(dir, ['d/a*b.txt', 'd/#hash', 'd/!bang']);
    const untracked = execaSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir }).stdout;
    expect(untracked.split('\n').sort()).toEqual(['?? d/.gitignore', '?? d/axb.txt']);
  });

  it('repro git-ignores cached outs (run or restored), never cache: false ones; git add -A stages no output', async () => {
    const dir = workspace(
      {
        'in.txt': '1',
        'pipeline.yaml': `stages:
  train:
    cmd: ${stage('train', 'write:models/model.pkl=m', 'write:models/metrics.json={}', 'write:report.txt=r', 'write:features/f.csv=1')}
    deps: [in.txt]
    outs: [models/model.pkl, features]
    metrics: [models/metrics.json, report.txt]
`,
      },
      { git: true },
    );
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'models/.gitignore')).toBe('/model.pkl\n');
    expect(read(dir, '.gitignore')).toBe('/features\n');
    execaSync('git', ['add', '-A'], { cwd: dir });
    const staged = execaSync('git', ['diff', '--cached', '--name-only'], { cwd: dir }).stdout.split('\n').sort();
    expect(staged).toEqual(['.gitignore', '.lockstep/.gitignore', 'models/.gitignore', 'models/metrics.json', 'pipeline.lock', 'report.txt', 'runlog.txt']);

    // Restored from the run-cache after the .gitignore files were lost: written again, once.
    writeTree(dir, { 'in.txt': '2' });
    await lockstep(dir, ['repro']);
    writeTree(dir, { 'in.txt': '1', 'models/.gitignore': '# mine\n' });
    const restored = await lockstep(dir, ['repro']);
    expect(restored.stderr).toContain('restored from run-cache');
    expect(read(dir, 'models/.gitignore')).toBe('# mine\n/model.pkl\n');
    expect(read(dir, '.gitignore')).toBe('/features\n');
    expect(existsSync(join(dir, 'features/.gitignore'))).toBe(false);
  });

  it('a failing stage still leaves the outs of the stages that ran before it git-ignored', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  a:\n    cmd: ${stage('a', 'write:out/a.txt=a')}\n    outs: [out/a.txt]\n  b:\n    cmd: ${stage('b', 'exit:3')}\n    deps: [out/a.txt]\n    outs: [out/b.txt]\n`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(1);
    expect(read(dir, 'out/.gitignore')).toBe('/a.txt\n');
  });
});
