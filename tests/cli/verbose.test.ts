import { describe, expect, it } from 'vitest';
import { lockstep, stage, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `stages:
  a:
    cmd: ${stage('a', 'copy:in.txt=a.txt')}
    deps: [in.txt]
    outs: [a.txt]
`;

describe('-v and -vv', () => {
  it('-v gives counts, phase times, run-cache decisions and git commands; -vv the files hashed', async () => {
    const dir = workspace({ 'in.txt': 'x', 'pipeline.yaml': PIPELINE }, { git: true });
    const quiet = await lockstep(dir, ['repro']);
    expect(quiet.stderr).not.toContain('debug:');
    writeTree(dir, { 'in.txt': 'y' });
    const v = await lockstep(dir, ['repro', '-v']);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/debug: loaded .*pipeline\.yaml \(1 stages\) in \d+ ms/);
    expect(v.stderr).toMatch(/debug: hashed \d+ files, \d+ unchanged per the stat cache \(\d+ ms\)/);
    expect(v.stderr).toMatch(/debug: run-cache a: key [0-9a-f]{8} missed: no run with these inputs was recorded/);
    expect(v.stderr).toMatch(/debug: planned 1 stages in \d+ ms: 1 to run/);
    expect(v.stderr).toMatch(/debug: ran stages in \d+ ms, of which writing the lock \d+ ms/);
    expect(v.stderr).not.toContain('trace:');
    const vv = await lockstep(dir, ['status', '-vv']);
    expect(vv.stderr).toMatch(/trace: hashed (in\.txt|a\.txt)/);
    const git = await lockstep(dir, ['metrics', 'diff', '-v']);
    expect(git.stderr).toMatch(/debug: git rev-parse --verify --quiet HEAD\^\{commit\}/);
  });
});
