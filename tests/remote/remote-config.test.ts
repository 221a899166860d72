import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, lockstep, read, REPO, workspace } from '../helpers/workspace.js';

const PIPELINE = 'stages:\n  s:\n    cmd: echo hi > out.txt\n    outs: [out.txt]\n';

describe('lockstep remote', () => {
  it('add, modify, list, default and remove edit config.yaml and keep the comments', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE, '.lockstep/config.yaml': '# team settings\ncache:\n  link: copy  # no reflinks on NFS\n' });
    expect((await lockstep(dir, ['remote', 'add', '-d', 'storage', 's3://my-bucket/ml-cache'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['remote', 'modify', 'storage', 'region', 'eu-west-1'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['remote', 'add', 'shared', '/mnt/team/cache'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['remote', 'modify', 'shared', 'jobs', '4'])).exitCode).toBe(0);
    const text = read(dir, '.lockstep/config.yaml');
    expect(text).toContain('# team settings');
    expect(text).toContain('# no reflinks on NFS');
    expect(text).toMatch(/remote: storage/);
    expect(text).toMatch(/storage:\n\s+url: s3:\/\/my-bucket\/ml-cache\n\s+region: eu-west-1/);
    expect(text).toMatch(/jobs: 4\n/);
    const list = await lockstep(dir, ['remote', 'list']);
    expect(list.stdout.split('\n')).toEqual(['storage\ts3://my-bucket/ml-cache\tregion=eu-west-1\t(default)', 'shared\t/mnt/team/cache\tjobs=4']);
    expect((await lockstep(dir, ['remote', 'default', 'shared'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['remote', 'default'])).stdout).toBe('shared');
    expect((await lockstep(dir, ['remote', 'remove', 'shared'])).exitCode).toBe(0);
    const after = read(dir, '.lockstep/config.yaml');
    expect(after).not.toContain('shared');
    expect(after).toContain('# no reflinks on NFS');
  });

  it('--local writes config.local.yaml, whose keys override config.yaml one by one', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    await lockstep(dir, ['remote', 'add', '-d', 'storage', 's3://my-bucket/ml-cache']);
    expect((await lockstep(dir, ['remote', 'modify', '--local', 'storage', 'profile', 'me'])).exitCode).toBe(0);
    expect(read(dir, '.lockstep/config.local.yaml')).toMatch(/storage:\n\s+profile: me/);
    expect(read(dir, '.lockstep/config.yaml')).not.toContain('profile');
    expect((await lockstep(dir, ['remote', 'list'])).stdout).toBe('storage\ts3://my-bucket/ml-cache\tprofile=me\t(default)');
  });

  it('remove takes a remote out of both files; a committed default may not name a remote only this machine has', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    await lockstep(dir, ['remote', 'add', 'storage', 's3://my-bucket/ml-cache']);
    await lockstep(dir, ['remote', 'modify', '--local', 'storage', 'profile', 'me']);
    await lockstep(dir, ['remote', 'add', '--local', 'mine', '/data/cache']);
    const d = await lockstep(dir, ['remote', 'default', 'mine']);
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toContain("remote 'mine' is defined only in .lockstep/config.local.yaml");
    expect((await lockstep(dir, ['remote', 'default', '--local', 'mine'])).exitCode).toBe(0);
    expect((await lockstep(dir, ['remote', 'remove', 'storage'])).exitCode).toBe(0);
    expect(read(dir, '.lockstep/config.yaml')).not.toContain('storage');
    expect(read(dir, '.lockstep/config.local.yaml')).not.toContain('storage');
    expect((await lockstep(dir, ['remote', 'list'])).stdout).toBe('mine\t/data/cache\t(default)');
  });

  it.each([
    ['a bad URL scheme', ['remote', 'add', 'x', 'gs://bucket/p'], /\.lockstep\/config\.yaml remotes\.x\.url: unsupported URL scheme 'gs:\/\/'/],
    ['an unknown key', ['remote', 'modify', 'storage', 'colour', 'red'], /\.lockstep\/config\.yaml remotes\.storage\.colour: unknown key/],
    ['a key of another backend', ['remote', 'modify', 'shared', 'endpoint', 'http://x'], /\.lockstep\/config\.yaml remotes\.shared\.endpoint: does not apply to a directory remote/],
    ['an endpoint that is not a URL', ['remote', 'modify', 'storage', 'endpoint', 'localhost:9000'], /remotes\.storage\.endpoint: must be an http:\/\/ or https:\/\/ URL/],
    ['a default naming no remote', ['remote', 'default', 'nope'], /\.lockstep\/config\.yaml remote: 'nope' names no remote/],
    ['a second remote of one name', ['remote', 'add', 'storage', 's3://other/p'], /remote 'storage' already exists/],
  ])('%s: exit 2 naming the file and key, the file unchanged', async (_what, args, message) => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    await lockstep(dir, ['remote', 'add', '-d', 'storage', 's3://my-bucket/ml-cache']);
    await lockstep(dir, ['remote', 'add', 'shared', '../cache']);
    const before = read(dir, '.lockstep/config.yaml');
    const r = await lockstep(dir, args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(read(dir, '.lockstep/config.yaml')).toBe(before);
  });

  it('a hand-edited mistake fails every command with the file and key (exit 2)', async () => {
    const dir = workspace({
      'pipeline.yaml': PIPELINE,
      '.lockstep/config.local.yaml': 'remotes:\n  storage:\n    url: s3://b-u-c/p\n    secret_key: x\n',
    });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: .lockstep/config.local.yaml remotes.storage.secret_key: unknown key');
    expect(r.stderr).not.toContain(': x');
  });

  it('a rejected first remote leaves no config file behind', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    expect((await lockstep(dir, ['remote', 'add', '--local', 'x', 'gs://b/p'])).exitCode).toBe(2);
    expect(existsSync(join(dir, '.lockstep/config.local.yaml'))).toBe(false);
  });

  it('the AWS SDK is loaded only when an s3:// remote is used: not by --version, status, repro or a directory push', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    await lockstep(dir, ['remote', 'add', 'storage', 's3://my-bucket/ml-cache']);
    // Nothing listens there: the s3 push below fails at once, without going near AWS.
    await lockstep(dir, ['remote', 'modify', 'storage', 'endpoint', 'http://127.0.0.1:9']);
    await lockstep(dir, ['remote', 'add', '-d', 'shared', 'remote-dir']);
    mkdirSync(join(dir, 'remote-dir'));
    const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true' };
    const loaded = async (args: string[]) => {
      const r = await execa('node', ['--import', join(REPO, 'tests/fixtures/trace-chunks.mjs'), CLI, ...args], { cwd: dir, reject: false, env });
      return String(r.stderr).split('\n').filter((l) => l.startsWith('loaded '));
    };
    for (const args of [['--version'], ['status'], ['repro'], ['push'], ['status', '--remote']]) {
      const chunks = await loaded(args);
      expect(chunks.length, args.join(' ')).toBeGreaterThan(0);
      expect(chunks.filter((l) => /\/s3-/.test(l)), args.join(' ')).toEqual([]);
    }
    // The check above can fail: pushing to the s3 remote does load it (and then fails to connect).
    expect((await loaded(['push', '-r', 'storage'])).filter((l) => /\/s3-/.test(l))).toHaveLength(1);
  });

  it('push with no remote configured says how to add one (exit 2)', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    const r = await lockstep(dir, ['push']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/error: no remote is configured\nhint: lockstep remote add -d NAME/);
  });
});
