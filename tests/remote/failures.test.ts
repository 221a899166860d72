import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { addRemote, badRemoteObjects, cloneOf, commitAll, remoteKinds } from '../helpers/remotes.js';
import { BUCKET, FAKE_SECRET, startS3rver, useS3rver } from '../helpers/s3rver.js';
import { CLI, lockstep, ranStages, read, stage, workspace } from '../helpers/workspace.js';

/** `files` makes a directory of many small files (so a push takes long enough to be interrupted). */
const PIPELINE = `stages:
  make:
    cmd: node make.cjs
    deps: [make.cjs, count.txt]
    outs: [data]
  use:
    cmd: ${stage('use', 'copy:data/f0.txt=used.txt')}
    deps: [data]
    outs: [used.txt]
`;
const MAKE = `const fs = require('fs');
fs.appendFileSync('runlog.txt', 'make\\n');
fs.mkdirSync('data', { recursive: true });
const n = Number(fs.readFileSync('count.txt', 'utf8'));
for (let i = 0; i < n; i++) fs.writeFileSync('data/f' + i + '.txt', 'file ' + i + ' ' + fs.readFileSync('count.txt', 'utf8'));
`;
const project = (count = 20) =>
  workspace({ 'pipeline.yaml': PIPELINE, 'make.cjs': MAKE, 'count.txt': String(count), '.gitignore': 'runlog.txt\n/data/\n/used.txt\n' }, { git: true });

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * s3rver writes an object's file, then its metadata, in place: a SIGKILL between the two leaves a torn
 * object that it serves as present. S3 and MinIO publish a PUT atomically, so the test restores that
 * guarantee before restarting the server: an object without intact metadata never existed.
 */
function dropTornObjects(dir: string): void {
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    if (!f.endsWith('._S3rver_object')) continue;
    const meta = join(dir, f.replace(/object$/, 'metadata.json'));
    let intact = false;
    try {
      JSON.parse(readFileSync(meta, 'utf8'));
      intact = true;
    } catch {
      intact = false;
    }
    if (!intact) rmSync(join(dir, f), { force: true });
  }
}

const s3 = useS3rver();

describe('remote trouble', () => {
  it('a dead endpoint: push fails naming remote, operation and key with a hint (exit 1, no stack); repro --pull warns once and runs', async () => {
    const dir = project();
    await addRemote(dir, { url: `s3://${BUCKET}/x`, extra: [['endpoint', `http://127.0.0.1:${await deadPort()}`]] });
    await lockstep(dir, ['repro'], s3().env);
    ranStages(dir);
    const push = await lockstep(dir, ['push'], s3().env);
    expect(push.exitCode).toBe(1);
    expect(push.stderr).toMatch(/error: remote 'store' \(s3:\/\/lockstep-test\/x at http:\/\/127\.0\.0\.1:\d+\): check \d+ objects under files\/ failed: .*ECONNREFUSED/);
    expect(push.stderr).toMatch(/hint: check the endpoint of remote 'store' and that the server is up/);
    expect(push.stderr).not.toMatch(/\n\s+at /);

    rmSync(join(dir, 'data'), { recursive: true });
    rmSync(join(dir, 'used.txt'));
    rmSync(join(dir, '.lockstep/cache'), { recursive: true });
    const repro = await lockstep(dir, ['repro', '--pull'], s3().env);
    expect(repro.exitCode, repro.stderr).toBe(0);
    expect(repro.stderr.match(/warning: /g)?.length).toBe(1);
    expect(repro.stderr).toMatch(/warning: remote 'store' .* failed: .*\n  the remote is not used for the rest of this run: stages run instead/);
    expect(ranStages(dir)).toEqual(['make', 'use']);
  });

  it('credentials never appear in any output: not from the environment, not from a URL', async () => {
    const dir = project();
    const port = await deadPort();
    await addRemote(dir, { url: `s3://${BUCKET}/x`, extra: [['endpoint', `http://someone:${FAKE_SECRET}@127.0.0.1:${port}`]] });
    const env = { ...s3().env, AWS_SESSION_TOKEN: `token-${FAKE_SECRET}` };
    await lockstep(dir, ['repro'], env);
    const outputs = [
      await lockstep(dir, ['remote', 'list'], env),
      await lockstep(dir, ['push'], env),
      await lockstep(dir, ['pull'], env),
      await lockstep(dir, ['status', '--remote'], env),
      await lockstep(dir, ['-v', 'repro', '--pull', '--force'], env),
      await lockstep(dir, ['remote', 'modify', 'store', 'endpoint', `ftp://someone:${FAKE_SECRET}@x`], env),
    ];
    expect(outputs[1]!.exitCode).toBe(1);
    expect(outputs[5]!.exitCode).toBe(2);
    for (const o of outputs) {
      expect(o.stdout + o.stderr).not.toContain(FAKE_SECRET);
    }
    // The endpoint is still shown, without its credentials.
    expect(outputs[0]!.stdout).toContain('endpoint=http://***@127.0.0.1:');
  });

  it('a directory remote whose folder is missing (a share not mounted) is an error for every command, and push does not create it', async () => {
    const dir = project(3);
    const mount = mkdtempSync(join(tmpdir(), 'lockstep-mount-'));
    const share = join(mount, 'team cache');
    await addRemote(dir, { url: share, extra: [] });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    writeFileSync(join(dir, 'count.txt'), '4');
    for (const args of [['push'], ['pull'], ['fetch'], ['status', '--remote'], ['repro', '--pull']]) {
      const r = await lockstep(dir, args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`error: remote 'store' (${share}): directory does not exist: ${share}\n`);
      expect(r.stderr).toContain(`hint: create it (mkdir -p '${share}'), or mount the share it is on`);
    }
    expect(readdirSync(mount)).toEqual([]);
    // A file where the folder should be is no better.
    writeFileSync(share, '');
    expect((await lockstep(dir, ['push'])).stderr).toContain(`is not a directory: ${share}`);
    rmSync(share);
    // Once it exists, push creates what it needs inside it.
    mkdirSync(share);
    const push = await lockstep(dir, ['push']);
    expect(push.exitCode, push.stderr).toBe(0);
    expect(readdirSync(share).sort()).toEqual(['files', 'runs']);
    rmSync(mount, { recursive: true, force: true });
  });

  it('the server killed in the middle of a push: a second push completes and every remote object verifies', async () => {
    const own = await startS3rver();
    try {
      const dir = project(800);
      const settings = { url: `s3://${BUCKET}/killed`, extra: [['endpoint', own.endpoint]] as [string, string][] };
      await addRemote(dir, settings);
      expect((await lockstep(dir, ['repro'], own.env)).exitCode).toBe(0);
      const pushing = execa('node', [CLI, 'push', '-j', '4'], { cwd: dir, env: own.env, reject: false });
      const stored = join(own.dataDir, BUCKET, 'killed', 'files');
      while (!existsSync(stored) || readdirSync(stored, { recursive: true }).length < 150) await new Promise((r) => setTimeout(r, 20));
      await own.kill();
      const first = await pushing;
      expect(first.exitCode).toBe(1);
      expect(String(first.stderr)).toMatch(/error: remote 'store' .*: upload files\/sha256\/[0-9a-f]{2}\/[0-9a-f]{62} failed/);
      dropTornObjects(join(own.dataDir, BUCKET));
      await own.restart();
      const second = await lockstep(dir, ['push'], own.env);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/[1-9]\d* uploaded .*, [1-9]\d* already there, 0 failed/);
      const { checked, bad } = await badRemoteObjects(settings);
      expect(bad).toEqual([]);
      // 800 files and the manifest (used.txt has the bytes of data/f0.txt: one object).
      expect(checked).toBe(800 + 1);
    } finally {
      await own.stop();
    }
  });
});

describe.each(remoteKinds(s3))('a pull from a $name remote killed half-way', (kind) => {
  it('leaves nothing torn under a final name; running it again completes the job', async () => {
    const a = project(600);
    await addRemote(a, kind.fresh());
    await lockstep(a, ['repro'], kind.env());
    commitAll(a);
    expect((await lockstep(a, ['push'], kind.env())).exitCode).toBe(0);
    const b = cloneOf(a);
    const pulling = execa('node', [CLI, 'pull', '-j', '2'], { cwd: b, env: kind.env(), reject: false });
    const objects = join(b, '.lockstep/cache/files/sha256');
    while (!existsSync(objects) || readdirSync(objects, { recursive: true }).length < 150) await new Promise((r) => setTimeout(r, 10));
    pulling.kill('SIGKILL');
    await pulling;
    const again = await lockstep(b, ['pull'], kind.env());
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/[1-9]\d* downloaded .*, [1-9]\d* already here, 0 failed/);
    const verify = await lockstep(b, ['cache', 'verify']);
    expect(verify.stdout).toMatch(/ 0 corrupt$/);
    expect(read(b, 'data/f599.txt')).toBe(read(a, 'data/f599.txt'));
    rmSync(b, { recursive: true, force: true });
  });
});

describe.each(remoteKinds(s3))('two pushes at once to a $name remote', (kind) => {
  it('both complete, a fresh clone pulls either result, every object verifies', async () => {
    const settings = kind.fresh();
    const a = project(300);
    await addRemote(a, settings);
    await lockstep(a, ['repro'], kind.env());
    commitAll(a);
    const b = cloneOf(a);
    await lockstep(b, ['repro', '--force'], kind.env());
    commitAll(b);
    const [pa, pb] = await Promise.all([lockstep(a, ['push'], kind.env()), lockstep(b, ['push'], kind.env())]);
    expect(pa.exitCode, pa.stderr).toBe(0);
    expect(pb.exitCode, pb.stderr).toBe(0);
    expect((await badRemoteObjects(settings)).bad).toEqual([]);
    const c = cloneOf(a);
    const pulled = await lockstep(c, ['pull'], kind.env());
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(read(c, 'used.txt')).toBe(read(a, 'used.txt'));
    for (const d of [b, c]) rmSync(d, { recursive: true, force: true });
  });
});
