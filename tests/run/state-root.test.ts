import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

/** A pipeline whose stage copies its input to data/x.csv (the same relative out in every folder). */
const pipeline = (name: string) =>
  `stages:\n  ${name}:\n    cmd: ${stage(name, 'copy:in.txt=data/x.csv')}\n    deps: [in.txt]\n    outs: [data/x.csv]\n`;

const sha = (lockText: string, out: string) => new RegExp(`path: ${out}, sha256: ([0-9a-f]{64})`).exec(lockText)![1]!;
const object = (dir: string, digest: string) => join(dir, '.lockstep/cache/files/sha256', digest.slice(0, 2), digest.slice(2));
const runRecords = (dir: string) => readdirSync(join(dir, '.lockstep/cache/runs'), { recursive: true }).map(String).filter((p) => p.endsWith('.json')).sort();

/** What ran, wherever each stage's LOCKSTEP_ROOT put its run log (the pipeline folder, or the root with -R). */
const ran = (dir: string) => [...ranStages(dir), ...ranStages(join(dir, 'services/a')), ...ranStages(join(dir, 'services/b'))];

describe('one .lockstep/ per repository, whatever folder the pipeline file is in', () => {
  it('a subfolder pipeline run from its folder, with --file from the root and with -R shares one cache and one run-cache', async () => {
    const dir = workspace({ 'services/a/pipeline.yaml': pipeline('a'), 'services/a/in.txt': 'v1' }, { git: true });
    const sub = join(dir, 'services/a');
    expect((await lockstep(sub, ['repro'])).exitCode).toBe(0);
    expect(ran(dir)).toEqual(['a']);
    expect(existsSync(join(sub, '.lockstep'))).toBe(false);
    expect(existsSync(object(dir, sha(read(sub, 'pipeline.lock'), 'data/x.csv')))).toBe(true);
    const records = runRecords(dir);
    expect(records).toHaveLength(1);

    for (const args of [['-f', 'services/a/pipeline.yaml', 'repro'], ['repro', '-R']]) {
      const r = await lockstep(dir, args);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(ran(dir), args.join(' ')).toEqual([]);
    }
    expect(runRecords(dir)).toEqual(records);

    // The run-cache is one too: a result recorded with -R restores the stage run alone, and back.
    writeTree(sub, { 'in.txt': 'v2' });
    expect((await lockstep(dir, ['repro', '-R'])).exitCode).toBe(0);
    expect(ran(dir)).toEqual(['a']);
    writeTree(sub, { 'in.txt': 'v1' });
    const alone = await lockstep(sub, ['repro']);
    expect(alone.stderr).toContain('restored');
    expect(ran(dir)).toEqual([]);
    writeTree(sub, { 'in.txt': 'v2' });
    const fromRoot = await lockstep(dir, ['-f', 'services/a/pipeline.yaml', 'repro']);
    expect(fromRoot.stderr).toContain('restored');
    expect(ran(dir)).toEqual([]);
    expect(read(sub, 'data/x.csv')).toBe('v2');
    expect(existsSync(join(sub, '.lockstep'))).toBe(false);
  });

  it('two subfolder pipelines with the same out names keep apart in the stat cache and the stage logs', async () => {
    const dir = workspace(
      {
        'services/a/pipeline.yaml': pipeline('train'),
        'services/a/in.txt': 'a',
        'services/b/pipeline.yaml': pipeline('train').replace('deps: [in.txt]', 'deps: [in.txt, fail.txt]'),
        'services/b/in.txt': 'b',
        'services/b/fail.txt': '',
      },
      { git: true },
    );
    const [a, b] = [join(dir, 'services/a'), join(dir, 'services/b')];
    expect((await lockstep(a, ['repro'])).exitCode).toBe(0);
    expect((await lockstep(b, ['repro'])).exitCode).toBe(0);
    // The stat cache only vouches for files older than the moment they were read (racy-git rule).
    await sleep(300);
    for (const d of [a, b]) expect((await lockstep(d, ['status'])).exitCode).toBe(0);
    const statCache = read(dir, '.lockstep/tmp/stat-cache.tsv');
    expect(statCache).toMatch(/^services\/a\/data\/x\.csv\t/m);
    expect(statCache).toMatch(/^services\/b\/data\/x\.csv\t/m);
    expect(statCache).not.toMatch(/^data\/x\.csv\t/m);
    // b's entries did not replace a's: a reads nothing again.
    for (const d of [a, b]) expect((await lockstep(d, ['status', '-v'])).stderr).toContain('hashed 0 files');

    // Each pipeline's stage named train logs into a file of its own.
    const failing = `stages:\n  train:\n    cmd: ${stage('train', 'echo:from-b', 'exit:3')}\n    deps: [in.txt]\n`;
    writeTree(b, { 'pipeline.yaml': failing });
    const r = await lockstep(dir, ['-f', 'services/b/pipeline.yaml', 'repro']);
    expect(r.exitCode).toBe(1);
    const log = /full log: (.+)/.exec(r.stderr)![1]!;
    expect(log).toBe('.lockstep/tmp/logs/services/b/pipeline.yaml/train.log');
    expect(read(dir, log)).toContain('from-b');
  });

  it('push from the repository root sends what a subfolder pipeline produced; remote add from the subfolder writes the repository config', async () => {
    const dir = workspace({ 'services/a/pipeline.yaml': pipeline('a'), 'services/a/in.txt': 'pushed' }, { git: true });
    const sub = join(dir, 'services/a');
    const remote = mkdtempSync(join(tmpdir(), 'lockstep-remote-'));
    expect((await lockstep(sub, ['remote', 'add', '-d', 'store', remote])).exitCode).toBe(0);
    expect(read(dir, '.lockstep/config.yaml')).toContain(remote);
    expect(existsSync(join(sub, '.lockstep'))).toBe(false);
    expect((await lockstep(sub, ['repro'])).exitCode).toBe(0);
    const r = await lockstep(dir, ['-f', 'services/a/pipeline.yaml', 'push']);
    expect(r.exitCode, r.stderr).toBe(0);
    const digest = sha(read(sub, 'pipeline.lock'), 'data/x.csv');
    expect(readFileSync(join(remote, 'files/sha256', digest.slice(0, 2), digest.slice(2)), 'utf8')).toBe('pushed');
  });

  it('push, pull, status --remote and checkout take -R: every pipeline file of the repository, from its root', async () => {
    const dir = workspace(
      { 'pipeline.yaml': pipeline('top'), 'in.txt': 'top', 'services/a/pipeline.yaml': pipeline('a'), 'services/a/in.txt': 'sub' },
      { git: true },
    );
    const remote = mkdtempSync(join(tmpdir(), 'lockstep-remote-'));
    expect((await lockstep(dir, ['remote', 'add', '-d', 'store', remote])).exitCode).toBe(0);
    expect((await lockstep(dir, ['repro', '-R'])).exitCode).toBe(0);
    const pushed = await lockstep(dir, ['push', '-R']);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('2 uploaded');
    const remoteStatus = await lockstep(dir, ['status', '-R', '--remote']);
    expect(remoteStatus.stdout).toContain('in sync  services/a/data/x.csv (a)');
    expect(remoteStatus.stdout).toContain('in sync  data/x.csv (top)');

    const fresh = mkdtempSync(join(tmpdir(), 'lockstep-fresh-'));
    writeTree(fresh, { 'pipeline.yaml': read(dir, 'pipeline.yaml'), 'pipeline.lock': read(dir, 'pipeline.lock'), 'in.txt': 'top' });
    writeTree(join(fresh, 'services/a'), { 'pipeline.yaml': read(dir, 'services/a/pipeline.yaml'), 'pipeline.lock': read(dir, 'services/a/pipeline.lock'), 'in.txt': 'sub' });
    writeTree(fresh, { '.lockstep/config.yaml': read(dir, '.lockstep/config.yaml') });
    execaSync('git', ['init', '-q'], { cwd: fresh });
    const pulled = await lockstep(fresh, ['pull', '-R']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(read(fresh, 'services/a/data/x.csv')).toBe('sub');
    expect(read(fresh, 'data/x.csv')).toBe('top');
    rmSync(join(fresh, 'services/a/data/x.csv'));
    expect((await lockstep(fresh, ['checkout', '-R'])).exitCode).toBe(0);
    expect(read(fresh, 'services/a/data/x.csv')).toBe('sub');
    expect((await lockstep(fresh, ['status', '-R'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
    // A target naming a pipeline file's stage works without -R, as in status.
    rmSync(join(fresh, 'services/a/data/x.csv'));
    const one = await lockstep(fresh, ['checkout', 'services/a/pipeline.yaml:a']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(read(fresh, 'services/a/data/x.csv')).toBe('sub');
    expect((await lockstep(fresh, ['push', 'services/a/pipeline.yaml:a'])).exitCode).toBe(0);
  });

  it('gc in one subfolder keeps the objects of every other pipeline of the repository', async () => {
    const dir = workspace(
      { 'services/a/pipeline.yaml': pipeline('a'), 'services/a/in.txt': 'a1', 'services/b/pipeline.yaml': pipeline('b'), 'services/b/in.txt': 'b1' },
      { git: true },
    );
    const [a, b] = [join(dir, 'services/a'), join(dir, 'services/b')];
    expect((await lockstep(a, ['repro'])).exitCode).toBe(0);
    expect((await lockstep(b, ['repro'])).exitCode).toBe(0);
    const bObject = object(dir, sha(read(b, 'pipeline.lock'), 'data/x.csv'));
    const oldA = object(dir, sha(read(a, 'pipeline.lock'), 'data/x.csv'));
    writeTree(a, { 'in.txt': 'a2' });
    expect((await lockstep(a, ['repro'])).exitCode).toBe(0);
    const r = await lockstep(a, ['gc']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^removed 1 object /);
    expect(existsSync(oldA)).toBe(false);
    expect(existsSync(bObject)).toBe(true);
    expect(existsSync(object(dir, sha(read(a, 'pipeline.lock'), 'data/x.csv')))).toBe(true);
  });

  it('outside git the state stays beside the pipeline file', async () => {
    const dir = workspace({ 'sub/pipeline.yaml': pipeline('a'), 'sub/in.txt': 'x' });
    expect((await lockstep(join(dir, 'sub'), ['repro'])).exitCode).toBe(0);
    expect(existsSync(join(dir, 'sub/.lockstep/cache'))).toBe(true);
    expect(existsSync(join(dir, '.lockstep'))).toBe(false);
  });

  it("an older version's .lockstep/ in the subfolder is kept, named once in a warning and never read", async () => {
    const dir = workspace(
      {
        'services/a/pipeline.yaml': pipeline('a'),
        'services/a/in.txt': 'x',
        'services/a/.lockstep/config.yaml': 'remote: old\nremotes:\n  old: {url: /nowhere}\n',
        'services/a/.lockstep/cache/files/sha256/ab/cdef': 'old object',
      },
      { git: true },
    );
    const r = await lockstep(dir, ['repro', '-R']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr.match(/services\/a\/\.lockstep\/ is no longer used/g)).toHaveLength(1);
    expect(r.stderr).toContain('cp -Rn services/a/.lockstep/cache/. .lockstep/cache/');
    expect(r.stderr).toContain('services/a/.lockstep/config.yaml');
    expect(read(dir, 'services/a/.lockstep/cache/files/sha256/ab/cdef')).toBe('old object');
    expect(existsSync(join(dir, '.lockstep/cache'))).toBe(true);
  });

  it('a nested repository keeps its own state: -R from the outer one neither collects it nor calls its .lockstep/ old', async () => {
    const dir = workspace({ 'outer/pipeline.yaml': pipeline('outer'), 'outer/in.txt': 'o' }, { git: true });
    const nested = join(dir, 'nested');
    writeTree(nested, { 'pipeline.yaml': pipeline('inner'), 'in.txt': 'i' });
    execaSync('git', ['init', '-q'], { cwd: nested });
    expect((await lockstep(nested, ['repro'])).exitCode).toBe(0);
    const r = await lockstep(dir, ['status', '-R']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('outer');
    expect(r.stdout).not.toContain('inner');
    expect(r.stderr).not.toContain('no longer used');
  });

  it('folders named from outside the repository use that repository, not the current folder', async () => {
    const dir = workspace({ 'a/pipeline.yaml': pipeline('a'), 'a/in.txt': 'x' }, { git: true });
    expect((await lockstep(dir, ['repro', '-R'])).exitCode).toBe(0);
    const elsewhere = mkdtempSync(join(tmpdir(), 'lockstep-elsewhere-'));
    const r = await lockstep(elsewhere, ['status', join(dir, 'a')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('up to date');
    expect(existsSync(join(elsewhere, '.lockstep'))).toBe(false);
    const other = workspace({ 'b/pipeline.yaml': pipeline('b'), 'b/in.txt': 'y' }, { git: true });
    const both = await lockstep(elsewhere, ['status', join(dir, 'a'), join(other, 'b')]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('is not in the repository at');
  });

  it('-R keeps, sends and restores tracked data of every pipeline file (lockstep add)', async () => {
    const dir = workspace(
      {
        'pipeline.yaml': 'stages:\n  prep:\n    cmd: cat raw.txt > p.txt\n    deps: [raw.txt]\n    outs: [p.txt]\n',
        'raw.txt': 'root data',
        'services/a/pipeline.yaml': pipeline('a'),
        'services/a/in.txt': 'sub',
        'services/a/tracked/t.txt': 'sub data',
      },
      { git: true },
    );
    const sub = join(dir, 'services/a');
    expect((await lockstep(dir, ['add', 'raw.txt'])).exitCode).toBe(0);
    expect((await lockstep(sub, ['add', 'tracked'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['repro', '-R'])).exitCode).toBe(0);
    // repro -R wrote both locks: their data: sections are still there.
    expect(read(dir, 'pipeline.lock')).toContain('data:\n  - {path: raw.txt');
    expect(read(sub, 'pipeline.lock')).toContain('data:\n  - {path: tracked');
    const remote = mkdtempSync(join(tmpdir(), 'lockstep-remote-'));
    expect((await lockstep(dir, ['remote', 'add', '-d', 'store', remote])).exitCode).toBe(0);
    expect((await lockstep(dir, ['push', '-R'])).exitCode).toBe(0);
    const remoteStatus = await lockstep(dir, ['status', '-R', '--remote']);
    expect(remoteStatus.stdout).toContain('in sync  raw.txt (raw.txt)');
    expect(remoteStatus.stdout).toContain('in sync  services/a/tracked (services/a/tracked)');

    const fresh = mkdtempSync(join(tmpdir(), 'lockstep-fresh-'));
    for (const f of ['pipeline.yaml', 'pipeline.lock', 'services/a/pipeline.yaml', 'services/a/pipeline.lock', 'services/a/in.txt', '.lockstep/config.yaml']) {
      writeTree(fresh, { [f]: read(dir, f) });
    }
    execaSync('git', ['init', '-q'], { cwd: fresh });
    const pulled = await lockstep(fresh, ['pull', '-R']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(read(fresh, 'raw.txt')).toBe('root data');
    expect(read(fresh, 'services/a/tracked/t.txt')).toBe('sub data');
    expect((await lockstep(fresh, ['status', '-R'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
    // Without -R a folder is tracked data, beside a target naming a pipeline file's stage.
    writeTree(fresh, { 'services/a/tracked/t.txt': 'edited' });
    rmSync(join(fresh, 'services/a/data/x.csv'));
    const both = await lockstep(fresh, ['checkout', '--force', 'services/a/tracked', 'services/a/pipeline.yaml:a']);
    expect(both.exitCode, both.stderr).toBe(0);
    expect(read(fresh, 'services/a/tracked/t.txt')).toBe('sub data');
    expect(read(fresh, 'services/a/data/x.csv')).toBe('sub');
  });
});
