import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace } from '../helpers/workspace.js';

const diamond = () =>
  workspace({
    'pipeline.yaml': `stages:
  a:
    cmd: ${stage('a', 'write:a=1')}
    outs: [a]
  b:
    cmd: ${stage('b', 'write:b=1')}
    deps: [a]
    outs: [b]
  c-2:
    cmd: ${stage('c', 'write:c=1')}
    deps: [a]
    outs: [c]
  d:
    cmd: ${stage('d', 'write:d=1')}
    deps: [b, c]
    outs: [d]
`,
  });

describe('cli', () => {
  it('prints its version and usage; unknown commands and flags exit 2', async () => {
    const dir = workspace({});
    const v = await lockstep(dir, ['--version']);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await lockstep(dir, ['--help'])).stdout).toContain('usage: lockstep');
    const unknown = await lockstep(dir, ['frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    const flag = await lockstep(dir, ['status', '--nope']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toBe("error: unknown option --nope for 'status'\nhint: see lockstep status --help");
    const value = await lockstep(dir, ['repro', '-j']);
    expect(value.exitCode).toBe(2);
    expect(value.stderr).toContain("error: option --jobs of 'repro' needs a value");
  });

  it('global flags are accepted after the command too; -f after repro is --force, --file always the pipeline', async () => {
    const dir = diamond();
    const quiet = await lockstep(dir, ['repro', '-q']);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    ranStages(dir);
    const forced = await lockstep(dir, ['repro', '-f', '-q', 'b']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['a', 'b']);
    const other = workspace({ 'sub/other.yaml': `stages:\n  z:\n    cmd: ${stage('z', 'write:z=1')}\n    outs: [z]\n` });
    const status = await lockstep(other, ['status', '-v', '--file', 'sub/other.yaml']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain('z: will run');
    const dag = await lockstep(other, ['dag', '-f', 'sub/other.yaml', '--json']);
    expect(dag.exitCode, dag.stderr).toBe(0);
    expect(dag.stdout).toContain('"z"');
  });

  it('dag prints ascii, mermaid, dot and json', async () => {
    const dir = diamond();
    expect((await lockstep(dir, ['dag'])).stdout).toBe('a\nb    <- a\nc-2  <- a\nd    <- b, c-2');
    const mermaid = (await lockstep(dir, ['dag', '--mermaid'])).stdout;
    expect(mermaid).toContain('flowchart TD\n');
    expect(mermaid).toContain('  c_2["c-2"]\n');
    expect(mermaid).toMatch(/  c_2 --> d$/);
    expect((await lockstep(dir, ['dag', '--dot'])).stdout).toContain('  "a" -> "c-2";');
    expect(JSON.parse((await lockstep(dir, ['dag', '--json', 'b'])).stdout)).toEqual({ stages: ['a', 'b'], edges: [{ from: 'a', to: 'b' }] });
  });

  it('init creates .lockstep with a .gitignore for cache and tmp, and is idempotent', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages: {}\n' });
    expect((await lockstep(dir, ['init'])).exitCode).toBe(0);
    expect(read(dir, '.lockstep/.gitignore')).toMatch(/\/cache\/\n\/tmp\//);
    expect(existsSync(join(dir, '.lockstep/config.yaml'))).toBe(true);
    const again = await lockstep(dir, ['init']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('already exists');
  });

  it('init says what to do next; init --example writes a pipeline that runs, gates and leaves git clean, and never overwrites', async () => {
    const dir = workspace({}, { git: true });
    const init = await lockstep(dir, ['init', '--example']);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toContain('Next:\n  lockstep status');
    expect(read(dir, 'pipeline.yaml')).toMatch(/^# /);
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['gate'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    execaSync('git', ['add', '-A'], { cwd: dir });
    const staged = execaSync('git', ['diff', '--cached', '--name-only'], { cwd: dir }).stdout.split('\n');
    expect(staged).not.toContain('data/values.txt');
    expect(staged).toContain('metrics.json');
    const pipeline = read(dir, 'pipeline.yaml');
    const again = await lockstep(dir, ['init', '--example']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('pipeline.yaml and params.yaml already exist');
    expect(read(dir, 'pipeline.yaml')).toBe(pipeline);
  });

  it('wdir is the cwd of cmd and the base of every path in the stage', async () => {
    const dir = workspace({
      'sub/params.yaml': 'n: 2\n',
      'sub/in.txt': 'x',
      'pipeline.yaml': `stages:\n  s:\n    wdir: sub\n    cmd: ${stage('s', 'copy:in.txt=out/copy.txt')}\n    deps: [in.txt]\n    params: [n]\n    outs: [out]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'sub/out/copy.txt')).toBe('x');
    const lock = read(dir, 'pipeline.lock');
    expect(lock).toContain('path: sub/in.txt');
    expect(lock).toContain('sub/params.yaml: {n: 2}');
    expect(ranStages(dir)).toEqual(['s']);
  });

  it('finds pipeline.yaml in a parent directory', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n`, 'deep/er/.keep': '' });
    const r = await lockstep(join(dir, 'deep/er'), ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'o')).toBe('1');
  });
});
