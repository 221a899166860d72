import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const objectPath = (dir: string, lockText: string, out: string) => {
  const sha = new RegExp(`path: ${out}, sha256: ([0-9a-f]{64})`).exec(lockText)![1]!;
  return join(dir, '.lockstep/cache/files/sha256', sha.slice(0, 2), sha.slice(2));
};

describe('gc --workspace keeps what any pipeline of the workspace uses (issue 16 item 6)', () => {
  it('keeps objects of every pipeline file and lock, in the same folder and in subfolders', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  a:\n    cmd: ${stage('a', 'write:a.txt=first')}\n    outs: [a.txt]\n`,
      'other.yaml': `stages:\n  b:\n    cmd: ${stage('b', 'write:b/part.txt=other pipeline')}\n    outs: [b]\n`,
      // Not a pipeline: a lock beside it must never be read (it is some other tool's).
      'pubspec.yaml': 'name: app\n',
      'pubspec.lock': 'packages: {}\n',
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['-f', 'other.yaml', 'repro'])).exitCode).toBe(0);
    const otherObject = objectPath(dir, read(dir, 'other.lock'), 'b');
    const firstA = objectPath(dir, read(dir, 'pipeline.lock'), 'a.txt');
    // A pipeline in a subfolder whose lock references the first a.txt (as a shared cache would have it).
    writeTree(dir, {
      'sub/pipeline.yaml': `stages:\n  c:\n    cmd: ${stage('c', 'write:c.txt=first')}\n    outs: [c.txt]\n`,
      'sub/pipeline.lock': read(dir, 'pipeline.lock').replace(/a:\n/, 'c:\n').replace('a.txt', 'c.txt'),
    });
    writeTree(dir, { 'pipeline.yaml': `stages:\n  a:\n    cmd: ${stage('a', 'write:a.txt=second')}\n    outs: [a.txt]\n` });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const secondA = objectPath(dir, read(dir, 'pipeline.lock'), 'a.txt');

    const r = await lockstep(dir, ['gc', '--workspace']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(otherObject)).toBe(true);
    expect(existsSync(firstA)).toBe(true);
    expect(existsSync(secondA)).toBe(true);

    // Once no lock references it, it goes.
    writeTree(dir, { 'sub/pipeline.lock': 'version: 1\nstages: {}\n' });
    expect((await lockstep(dir, ['gc'])).stdout).toMatch(/^removed 1 object /);
    expect(existsSync(firstA)).toBe(false);
    expect(existsSync(otherObject)).toBe(true);

    // A lock that cannot be read might reference anything: gc stops, naming it, and removes nothing.
    writeTree(dir, { 'sub/pipeline.lock': 'version: [\n', 'other.yaml': 'stages: {}\n' });
    const broken = await lockstep(dir, ['gc']);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('sub/pipeline.lock');
    expect(existsSync(otherObject)).toBe(true);
  });
});
