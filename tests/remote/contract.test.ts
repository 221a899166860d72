import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/pipeline/config.js';
import { resolveRemote } from '../../src/remote/registry.js';
import type { RemoteStorage } from '../../src/remote/types.js';
import { BUCKET, useS3rver } from '../helpers/s3rver.js';

/** One contract, every backend: what run/ relies on when it moves objects and records. */
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const scratch = mkdtempSync(join(tmpdir(), 'lockstep-contract-'));
const s3 = useS3rver();
let n = 0;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config = (raw: Record<string, unknown>): Config => ({ cache: { link: 'copy' }, remotes: { r: raw }, origins: {} });

const backends: [string, () => Promise<RemoteStorage>][] = [
  ['directory', () => resolveRemote(config({ url: mkdirSync(join(scratch, `dir-${++n}`), { recursive: true })! }), scratch, 'r')!.open()],
  ['s3', () => resolveRemote(config({ url: `s3://${BUCKET}/p${++n}/cache`, endpoint: s3().endpoint }), scratch, 'r')!.open()],
];

describe.each(backends)('remote contract: %s', (name, open) => {
  it('put then get returns the same bytes and their sha256; a missing key is undefined', async () => {
    const remote = await open();
    const data = randomBytes(100_000);
    const src = join(scratch, `src-${++n}`);
    writeFileSync(src, data);
    await remote.put('files/sha256/ab/one', src);
    await remote.put('runs/cd/two.json', Buffer.from('{"x":1}'));
    const dest = join(scratch, `dest-${++n}`);
    expect(await remote.get('files/sha256/ab/one', dest)).toEqual({ sha256: sha(data), size: data.length });
    expect(readFileSync(dest).equals(data)).toBe(true);
    const dest2 = join(scratch, `dest-${++n}`);
    expect(await remote.get('runs/cd/two.json', dest2)).toEqual({ sha256: sha('{"x":1}'), size: 7 });
    expect(await remote.get('files/sha256/ab/nope', join(scratch, `dest-${++n}`))).toBeUndefined();
    remote.close();
  });

  it('hasMany answers for many keys at once (past one listing page), list by prefix finds exactly what is there', async () => {
    const remote = await open();
    const keys = Array.from({ length: 1100 }, (_, i) => `files/sha256/${String(i % 7).padStart(2, '0')}/k${i}`);
    const stored = keys.filter((_, i) => i % 2 === 0);
    await Promise.all(stored.map((k) => remote.put(k, Buffer.from(k))));
    await remote.put('runs/aa/r.json', Buffer.from('{}'));
    const present = await remote.hasMany(keys);
    expect([...present].sort()).toEqual([...stored].sort());
    expect(await remote.hasMany(['files/sha256/00/k0', 'files/sha256/01/k1'])).toEqual(new Set(['files/sha256/00/k0']));
    // With sizes, an object of another size (a truncated upload) counts as absent: by listing and by HEAD.
    const wrong = new Map([[stored[0]!, 999]]);
    expect((await remote.hasMany(keys, wrong)).has(stored[0]!)).toBe(false);
    expect(await remote.hasMany(['files/sha256/00/k0'], wrong)).toEqual(new Set());
    const right = new Map([['files/sha256/00/k0', Buffer.from('files/sha256/00/k0').length]]);
    expect(await remote.hasMany(['files/sha256/00/k0'], right)).toEqual(new Set(['files/sha256/00/k0']));
    const listed: string[] = [];
    for await (const { key } of remote.list('files/sha256/')) listed.push(key);
    expect(listed.sort()).toEqual([...stored].sort());
    const runs: string[] = [];
    for await (const { key } of remote.list('runs/')) runs.push(key);
    expect(runs).toEqual(['runs/aa/r.json']);
    remote.close();
  });

  it('list gives each key a version that stays while nothing is written under it and changes when something is', async () => {
    const remote = await open();
    const versions = async () => {
      const found = new Map<string, string>();
      for await (const { key, version } of remote.list('runs/')) found.set(key, version);
      return found;
    };
    await remote.put('runs/aa/one.json', Buffer.from('{"results":[1]}'));
    await remote.put('runs/bb/two.json', Buffer.from('{"results":[2]}'));
    const first = await versions();
    expect([...first.keys()].sort()).toEqual(['runs/aa/one.json', 'runs/bb/two.json']);
    expect(await versions()).toEqual(first);
    // Same size, other bytes: what a merge that replaced one result by another could write.
    await remote.put('runs/aa/one.json', Buffer.from('{"results":[3]}'));
    const second = await versions();
    expect(second.get('runs/aa/one.json')).not.toBe(first.get('runs/aa/one.json'));
    expect(second.get('runs/bb/two.json')).toBe(first.get('runs/bb/two.json'));
    remote.close();
  });

  it('put returns the version list then shows for what it wrote (bytes and files alike)', async () => {
    const remote = await open();
    const src = join(scratch, `src-${++n}`);
    writeFileSync(src, '{"results":[5]}');
    const written = new Map([
      ['runs/cc/one.json', await remote.put('runs/cc/one.json', Buffer.from('{"results":[4]}'))],
      ['runs/dd/two.json', await remote.put('runs/dd/two.json', src)],
    ]);
    const listed = new Map<string, string | undefined>();
    for await (const { key, version } of remote.list('runs/')) listed.set(key, version);
    expect(written.get('runs/cc/one.json')).toEqual(expect.any(String));
    expect(listed).toEqual(written);
    // A rewrite with the same size returns the new version, not the old one.
    const again = await remote.put('runs/cc/one.json', Buffer.from('{"results":[6]}'));
    expect(again).not.toBe(written.get('runs/cc/one.json'));
    for await (const { key, version } of remote.list('runs/cc/')) expect([key, version]).toEqual(['runs/cc/one.json', again]);
    remote.close();
  });

  // s3rver writes objects in place, so concurrent PUTs of one key can interleave there (seen: 1 key in 40);
  // S3 itself and the directory backend publish whole objects. The property is ours to keep only there.
  it.skipIf(name === 's3')('two writers of one key at once: the key holds one whole version', async () => {
    const remote = await open();
    const a = Buffer.alloc(300_000, 'a');
    const b = Buffer.alloc(300_000, 'b');
    await Promise.all([remote.put('runs/ee/x.json', a), remote.put('runs/ee/x.json', b), remote.put('runs/ee/x.json', a)]);
    const got = await remote.get('runs/ee/x.json', join(scratch, `dest-${++n}`));
    expect([sha(a), sha(b)]).toContain(got!.sha256);
    remote.close();
  });

  it('a file above the multipart threshold arrives whole', async () => {
    const remote = await open();
    const src = join(scratch, `big-${++n}`);
    const data = randomBytes(70 * 1024 * 1024);
    writeFileSync(src, data);
    await remote.put('files/sha256/bb/big', src);
    const got = await remote.get('files/sha256/bb/big', join(scratch, `dest-${++n}`));
    expect(got).toEqual({ sha256: sha(data), size: data.length });
    rmSync(src);
    remote.close();
  });
});

describe('directory remote', () => {
  it('a temp file a killed writer left a day ago is swept by the next put into its folder; a young one stays', async () => {
    const dir = join(scratch, `sweep-${++n}`);
    mkdirSync(dir);
    const remote = await resolveRemote(config({ url: dir }), scratch, 'r')!.open();
    await remote.put('files/sha256/ab/first', Buffer.from('1'));
    const fan = join(dir, 'files', 'sha256', 'ab');
    const old = join(fan, '.cdef.4194305.0badf00d.tmp');
    const young = join(fan, '.cdef.4194305.12345678.tmp');
    writeFileSync(old, 'partial');
    writeFileSync(young, 'partial');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const next = await resolveRemote(config({ url: dir }), scratch, 'r')!.open();
    await next.put('files/sha256/ab/second', Buffer.from('2'));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
    remote.close();
    next.close();
  });
});
