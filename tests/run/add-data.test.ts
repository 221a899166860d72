import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `# the team's pipeline: keep this comment
stages:
  train:
    cmd: ${stage('train', 'copy:data/raw.csv=model.txt')}   # trains
    deps: [data/raw.csv, data/images]
    outs: [model.txt]
`;

/** Raw data (a file and a directory) no stage produces, one stage reading both, in a git repository. */
function project() {
  return workspace(
    { 'pipeline.yaml': PIPELINE, 'data/raw.csv': 'a,b\n1,2\n', 'data/images/1.png': 'one', 'data/images/sub/2.png': 'two' },
  );
}

const git = (dir: string, ...args: string[]) => execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir }).stdout;
const lockData = (dir: string) => read(dir, 'pipeline.lock').split('data:\n')[1] ?? '';
const objects = (dir: string) => readdirSync(join(dir, '.lockstep/cache/files/sha256'), { recursive: true }).length;

describe('lockstep add', () => {
  it('caches a file and a directory, records them in the lock and pipeline.yaml (comments kept), git-ignores them', async () => {
    const dir = project();
    const r = await lockstep(dir, ['add', 'data/raw.csv', 'data/images/']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('added data/raw.csv (8 B)');
    expect(r.stderr).toContain('added data/images (2 files, 6 B)');
    expect(r.stderr).toContain('git add pipeline.lock pipeline.yaml data/.gitignore');

    expect(read(dir, 'pipeline.yaml')).toBe(`${PIPELINE}data:\n  - data/raw.csv\n  - data/images\n`);
    expect(read(dir, 'pipeline.lock')).toMatch(
      /^version: 1\nstages: \{\}\ndata:\n  - \{path: data\/images, sha256: [0-9a-f]{64}, size: 6, nfiles: 2\}\n  - \{path: data\/raw\.csv, sha256: [0-9a-f]{64}, size: 8\}\n$/,
    );
    expect(read(dir, 'data/.gitignore')).toBe('/raw.csv\n/images\n');
    expect(objects(dir)).toBeGreaterThanOrEqual(4); // the file, two images, the manifest (plus fan-out folders)

    // Unchanged: nothing is rewritten, not even with the same bytes.
    const mtimes = ['pipeline.yaml', 'pipeline.lock', 'data/.gitignore'].map((f) => statSync(join(dir, f)).mtimeMs);
    const again = await lockstep(dir, ['add', 'data/raw.csv', 'data/images']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('unchanged data/raw.csv');
    expect(again.stderr).not.toContain('git add');
    expect(['pipeline.yaml', 'pipeline.lock', 'data/.gitignore'].map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes);
  });

  it('status reports a data change and its dependant reruns; add again records the new version', async () => {
    const dir = project();
    await lockstep(dir, ['add', 'data/raw.csv', 'data/images']);
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['train']);
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');

    writeTree(dir, { 'data/raw.csv': 'a,b\n3,4\n' });
    const status = await lockstep(dir, ['status', '--exit-code']);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toBe(
      'data changed: data/raw.csv\n    lockstep add data/raw.csv records the new version\ntrain: will run\n    dep modified: data/raw.csv',
    );
    const json = JSON.parse((await lockstep(dir, ['status', '--json'])).stdout);
    expect(json.upToDate).toBe(false);
    expect(json.data).toEqual([expect.objectContaining({ path: 'data/raw.csv', change: 'modified', message: 'data changed: data/raw.csv' })]);

    const repro = await lockstep(dir, ['repro']);
    expect(repro.stderr).toContain('warning: data changed: data/raw.csv');
    expect(ranStages(dir)).toEqual(['train']);
    expect(read(dir, 'model.txt')).toBe('a,b\n3,4\n');

    const before = lockData(dir);
    const add = await lockstep(dir, ['add', 'data/raw.csv']);
    expect(add.stderr).toContain('updated data/raw.csv');
    expect(lockData(dir)).not.toBe(before);
    expect(read(dir, 'pipeline.yaml').split('\ndata:\n')[1]).toBe('  - data/raw.csv\n  - data/images\n');
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');

    writeTree(dir, { 'data/images/3.png': 'three' });
    expect((await lockstep(dir, ['status'])).stdout).toContain('data changed: data/images\n');
  });

  it('checkout restores deleted data, gc keeps it', async () => {
    const dir = project();
    await lockstep(dir, ['add', 'data/raw.csv', 'data/images']);
    await lockstep(dir, ['repro']);
    const gc = await lockstep(dir, ['gc']);
    expect(gc.stdout).toMatch(/^removed 0 objects/);

    rmSync(join(dir, 'data/raw.csv'));
    rmSync(join(dir, 'data/images'), { recursive: true });
    const status = await lockstep(dir, ['status']);
    expect(status.exitCode).toBe(2);
    expect(status.stderr).toContain('dep data/raw.csv is tracked data missing from the workspace (lockstep checkout data/raw.csv restores it)');

    const one = await lockstep(dir, ['checkout', 'data/raw.csv']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(read(dir, 'data/raw.csv')).toBe('a,b\n1,2\n');
    expect(existsSync(join(dir, 'data/images'))).toBe(false);
    const all = await lockstep(dir, ['checkout']);
    expect(all.stderr).toContain('1 checked out, 2 unchanged');
    expect(read(dir, 'data/images/sub/2.png')).toBe('two');
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');

    // An edit that was never added is kept by checkout, as any unsaved out.
    writeTree(dir, { 'data/raw.csv': 'edited\n' });
    expect((await lockstep(dir, ['checkout'])).exitCode).toBe(1);
    expect(read(dir, 'data/raw.csv')).toBe('edited\n');
  });

  it('refuses a path a stage produces, naming the stage, and writes nothing', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  prepare:\n    cmd: ${stage('prepare', 'write:out/a.txt=a')}\n    outs: [out]\n  train:\n    cmd: ${stage('train', 'write:model.txt=m')}\n    outs: [model.txt]\n`,
      'raw.csv': 'x',
    });
    await lockstep(dir, ['repro']);
    const lock = read(dir, 'pipeline.lock');
    const r = await lockstep(dir, ['add', 'model.txt']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: cannot add: model.txt is an out of stage train');
    const inside = await lockstep(dir, ['add', 'out/a.txt', 'raw.csv', 'missing.csv', '.lockstep', '.lockstep/tmp', '../elsewhere']);
    expect(inside.exitCode).toBe(2);
    expect(inside.stderr).toContain('  out/a.txt overlaps out out of stage prepare');
    expect(inside.stderr).toContain('  missing.csv does not exist');
    expect(inside.stderr).toContain(".lockstep holds lockstep's own files");
    expect(inside.stderr).toContain('.lockstep/tmp is inside .lockstep');
    expect(inside.stderr).toContain('../elsewhere is outside the repository');
    expect(read(dir, 'pipeline.lock')).toBe(lock);
    expect(read(dir, 'pipeline.yaml')).not.toContain('data:');
    expect(read(dir, '.gitignore')).toBe('/out\n/model.txt\n'); // what repro wrote, nothing more
  });

  it('a data: entry a stage produces, or a bad one, is a pipeline error at its line and column', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  train:\n    cmd: ${stage('train', 'write:model.txt=m')}\n    outs: [model.txt]\ndata:\n  - raw.csv\n  - model.txt\n  - 3\n`,
    });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:8:5 data[2]:');
    writeTree(dir, { 'pipeline.yaml': read(dir, 'pipeline.yaml').replace('  - 3\n', '  - raw.csv\n') });
    const again = await lockstep(dir, ['status']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('pipeline.yaml:7:5 data model.txt is an out of stage train');
    expect(again.stderr).toContain('pipeline.yaml:8:5 data raw.csv is listed twice');
  });

  it('in a git repository, git add -A stages none of the data; data git already tracks gets a warning', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE, 'old.csv': 'committed' }, { git: true });
    writeTree(dir, { 'data/raw.csv': 'a,b\n1,2\n', 'data/images/1.png': 'one' });
    const r = await lockstep(dir, ['add', 'data/raw.csv', 'data/images', 'old.csv']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: old.csv is tracked by git; the .gitignore entry does not untrack it: git rm -r --cached old.csv');
    expect(r.stderr).not.toContain('data/raw.csv is tracked by git');
    git(dir, 'rm', '-q', '--cached', 'old.csv');
    git(dir, 'add', '-A');
    expect(git(dir, 'ls-files').split('\n').sort()).toEqual(['.gitignore', '.lockstep/.gitignore', 'data/.gitignore', 'pipeline.lock', 'pipeline.yaml']);
    expect(read(dir, '.gitignore')).toBe('/old.csv\n');
  });
});
