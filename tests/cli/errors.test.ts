import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, read, stage, workspace } from '../helpers/workspace.js';

const ONE_STAGE = `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    outs: [o.txt]\n    metrics: [m.json]\n`;

/** One clear error line (plus a hint), never a stack trace or the internal-error banner. */
function expectPlainError(r: { exitCode: number; stderr: string }, code: number, message: string): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr).toContain(`error: ${message}`);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('errors in plain words', () => {
  it('a directory where pipeline.yaml belongs, a file where .lockstep belongs', async () => {
    const dir = workspace({ 'x/pipeline.yaml/keep': '' });
    expectPlainError(await lockstep(join(dir, 'x'), ['status']), 2, `cannot read ${join(dir, 'x/pipeline.yaml')}: it is a directory, a file was expected`);
    const other = workspace({ 'pipeline.yaml': ONE_STAGE, '.lockstep': '' });
    expectPlainError(await lockstep(other, ['repro']), 2, 'cannot mkdir');
    expect(read(other, '.lockstep')).toBe('');
  });

  it('a stage without cmd and an empty pipeline file are said in plain words', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages:\n  one:\n    deps: [x]\n' });
    expectPlainError(await lockstep(dir, ['status']), 2, 'pipeline.yaml is invalid (1 problem):\n  pipeline.yaml:2:3 stage one: missing cmd');
    const empty = workspace({ 'pipeline.yaml': '' });
    expectPlainError(await lockstep(empty, ['status']), 2, 'pipeline.yaml has no stages');
  });

  it('an unknown key in .lockstep/config.yaml is named with its file and a hint about that file', async () => {
    const dir = workspace({ 'pipeline.yaml': ONE_STAGE, '.lockstep/config.yaml': 'remote_typo: x\n' });
    const r = await lockstep(dir, ['status']);
    expectPlainError(r, 2, '.lockstep/config.yaml is invalid:\n  .lockstep/config.yaml remote_typo: unknown key');
    expect(r.stderr).toContain('hint: the keys of the file are cache (link), remote (the default) and remotes');
  });

  it('a lock that is not a lock file at all is named and left untouched', async () => {
    const dir = workspace({ 'pipeline.yaml': ONE_STAGE, 'pipeline.lock': 'just some text\n' });
    expectPlainError(await lockstep(dir, ['status']), 2, 'pipeline.lock is not a lockstep lock file');
    expect(read(dir, 'pipeline.lock')).toBe('just some text\n');
  });

  it('a metrics file that is not JSON is named with line and column, without quoting its content', async () => {
    const dir = workspace({ 'pipeline.yaml': ONE_STAGE, 'm.json': '{"recall": 0.8,\n "precision": oops}' });
    const r = await lockstep(dir, ['metrics', 'show']);
    expectPlainError(r, 1, 'metrics file m.json:2:15: unresolved plain scalar "oops"');
    expect(r.stderr).not.toContain('recall');
  });

  it('--precision -1 says what it accepts', async () => {
    const dir = workspace({ 'pipeline.yaml': ONE_STAGE, 'm.json': '{"recall": 0.8}' });
    expectPlainError(await lockstep(dir, ['metrics', 'show', '--precision', '-1']), 2, "option --precision of 'metrics' needs a value; one that starts with - is written --precision=-1");
    expectPlainError(await lockstep(dir, ['metrics', 'show', '--precision=-1']), 2, '--precision must be a whole number from 0 to 15');
  });

  it('a cache write that fails (here: a file where the object folder belongs) fails the stage with the path; the lock keeps its entry', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    outs: [o.txt]\n` });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const lock = read(dir, 'pipeline.lock');
    rmSync(join(dir, '.lockstep/cache/files'), { recursive: true });
    writeFileSync(join(dir, '.lockstep/cache/files'), 'not a folder');
    writeFileSync(join(dir, 'pipeline.yaml'), `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=2')}\n    outs: [o.txt]\n`);
    const r = await lockstep(dir, ['repro']);
    expectPlainError(r, 1, 'cannot mkdir');
    expect(r.stderr).toContain('.lockstep/cache/files/sha256');
    expect(read(dir, 'pipeline.lock')).toBe(lock);
  });
});
