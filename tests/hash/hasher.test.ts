import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Hasher } from '../../src/hash/hasher.js';
import { StatCache } from '../../src/hash/stat-cache.js';
import { hashUnit, WORKER_SOURCE } from '../../src/hash/worker-hash.js';
import { silentReporter } from '../../src/log.js';
import { workspace } from '../helpers/workspace.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function hasherFor(dir: string, cacheFile?: string) {
  const cache = new StatCache(cacheFile);
  return { cache, hasher: new Hasher(dir, cache, silentReporter) };
}

/** Let freshly written files leave the racy window (ctime cannot be backdated, so we wait it out). */
const settle = () => new Promise((r) => setTimeout(r, 250));

describe('digests', () => {
  it('a file is sha256 of its bytes; a directory is sha256 of its sorted manifest', () => {
    const dir = workspace({ 'f.txt': 'hello', 'd/b.txt': 'b', 'd/a/z.txt': 'z', 'd/a.txt': 'a' });
    const { hasher } = hasherFor(dir);
    expect(hasher.tryDigest('f.txt')).toEqual({ kind: 'file', sha256: sha('hello'), size: 5 });
    const d = hasher.tryDigest('d');
    const manifest = [
      { path: 'a.txt', sha256: sha('a'), size: 1 },
      { path: 'a/z.txt', sha256: sha('z'), size: 1 },
      { path: 'b.txt', sha256: sha('b'), size: 1 },
    ];
    expect(d).toEqual({ kind: 'dir', sha256: sha(JSON.stringify(manifest)), size: 3, nfiles: 3, manifest });
    expect(hasher.tryDigest('missing')).toBeUndefined();
  });

  it('follows symlinks and names a broken one', () => {
    const dir = workspace({ 'real.txt': 'x', 'd/in.txt': 'y' });
    symlinkSync(join(dir, 'real.txt'), join(dir, 'd/link.txt'));
    const { hasher } = hasherFor(dir);
    const d = hasher.tryDigest('d');
    expect(d?.kind === 'dir' && d.manifest.map((e) => e.path)).toEqual(['in.txt', 'link.txt']);
    symlinkSync(join(dir, 'nowhere'), join(dir, 'd/broken'));
    const fresh = hasherFor(dir).hasher;
    expect(() => fresh.tryDigest('d')).toThrow('d/broken is a broken symbolic link');
  });
});

describe('parallel hashing', () => {
  it('a directory of more files than one worker batch digests exactly like the one-by-one path', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) files[`d/${i % 7}/f${i}.txt`] = `file ${i} `.repeat(1 + (i % 50));
    const dir = workspace(files);
    const manifest = Object.entries(files)
      .map(([path, text]) => ({ path: path.slice(2), sha256: sha(text), size: Buffer.byteLength(text) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const cacheFile = join(dir, 'stat.tsv');
    const first = hasherFor(dir, cacheFile);
    const d = first.hasher.tryDigest('d');
    expect(d).toMatchObject({ kind: 'dir', sha256: sha(JSON.stringify(manifest)), nfiles: 2500 });
    first.cache.save();
    await settle();
    // Warm: every file now goes through the stat path and the (second) cache.
    const second = hasherFor(dir, cacheFile);
    expect(second.hasher.tryDigest('d')!.sha256).toBe(d!.sha256);
    second.cache.save();
    expect(hasherFor(dir, cacheFile).hasher.tryDigest('d')!.sha256).toBe(d!.sha256);
  });

  it('a directory new to the stat cache is walked and hashed by workers: same digest, symlinks followed, errors precise', () => {
    const files: Record<string, string> = { 'd/top.txt': 'top' };
    for (let i = 0; i < 40; i++) files[`d/s${i % 5}/deep/f${i}.txt`] = `deep ${i}`;
    const dir = workspace({ ...files, 'outside.txt': 'linked' });
    symlinkSync(join(dir, 'outside.txt'), join(dir, 'd/s1/deep/link.txt'));
    const manifest = [...Object.entries(files), ['d/s1/deep/link.txt', 'linked'] as [string, string]]
      .map(([path, text]) => ({ path: path.slice(2), sha256: sha(text), size: text.length }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    expect(hasherFor(dir).hasher.tryDigest('d')!.sha256).toBe(sha(JSON.stringify(manifest)));
    symlinkSync(join(dir, 'gone'), join(dir, 'd/s2/deep/broken'));
    expect(() => hasherFor(dir).hasher.tryDigest('d')).toThrow('d/s2/deep/broken is a broken symbolic link');
  });

  it('names holding a tab or a newline are hashed under their own name, not split at it', () => {
    const files: Record<string, string> = { 'd/s3/new\nline.txt': 'newline', 'd/s4/a\ttab.txt': 'tab' };
    for (let i = 0; i < 40; i++) files[`d/s${i % 5}/f${i}.txt`] = `file ${i}`;
    const dir = workspace(files);
    const manifest = Object.entries(files)
      .map(([path, text]) => ({ path: path.slice(2), sha256: sha(text), size: text.length }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    expect(hasherFor(dir).hasher.tryDigest('d')).toMatchObject({ sha256: sha(JSON.stringify(manifest)), nfiles: 42 });
  });

  it('a FIFO is named as not a regular file, never opened (that would wait forever)', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`d/s${i % 5}/f${i}.txt`] = `file ${i}`;
    const dir = workspace(files);
    execFileSync('mkfifo', [join(dir, 'd/s2/pipe'), join(dir, 'top-pipe')]);
    symlinkSync(join(dir, 'top-pipe'), join(dir, 'd/s3/link-to-pipe'));
    expect(() => hasherFor(dir).hasher.tryDigest('top-pipe')).toThrow('top-pipe is not a regular file or directory');
    expect(() => hasherFor(dir).hasher.tryDigest('d')).toThrow('d/s2/pipe is not a regular file or directory');
    rmSync(join(dir, 'd/s2/pipe'));
    expect(() => hasherFor(dir).hasher.tryDigest('d')).toThrow('d/s3/link-to-pipe is not a regular file or directory');
  });

  it('a worker runs the same unit code as the caller\'s thread (it gets it as source text)', async () => {
    const files: Record<string, string> = { 'd/top.txt': 'top', 'd/s/deep/x.txt': 'x'.repeat(3 << 20) };
    const dir = workspace(files);
    const units = [{ dir: join(dir, 'd'), rel: '' }, { files: [[join(dir, 'd/top.txt'), 'named.txt']] as [string, string][] }];
    const expected: string[] = [];
    for (const unit of units) hashUnit(unit, expected, { fs: await import('node:fs'), crypto: await import('node:crypto'), buf: Buffer.alloc(1 << 20) });
    expect(expected.map((l) => l.split('\t')[5])).toEqual([sha('x'.repeat(3 << 20)), sha('top'), sha('top')]);
    const queue = new SharedArrayBuffer(4);
    const done = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const texts: string[] = [];
    port1.on('message', (m: { text?: string; error?: string }) => texts.push(m.text ?? `error: ${m.error}`));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { units, queue, done, port: port2 }, transferList: [port2] });
    await new Promise((resolve) => worker.on('exit', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    port1.close();
    expect(texts.join('\n').split('\n').sort()).toEqual(expected.sort());
    expect(new Int32Array(done)[0]).toBe(2);
  });

  it('a large file is hashed ahead, reading while hashing, and its digest serves the look-up', async () => {
    const dir = workspace({ 'small.txt': 'small' });
    const big = Buffer.alloc((64 << 20) + 12_345, 'ahead');
    writeFileSync(join(dir, 'big.bin'), big);
    await settle();
    const cacheFile = join(dir, 'stat.tsv');
    const first = hasherFor(dir, cacheFile);
    await first.hasher.prefetch(['small.txt', 'big.bin', 'missing']);
    expect(first.hasher.stats.hashed).toEqual(['big.bin']);
    expect(first.hasher.tryDigest('big.bin')).toEqual({ kind: 'file', sha256: createHash('sha256').update(big).digest('hex'), size: big.length });
    expect(first.hasher.tryDigest('small.txt')?.sha256).toBe(sha('small'));
    expect(first.hasher.tryDigest('missing')).toBeUndefined();
    first.cache.save();
    // Known to the stat cache now: not read again.
    const second = hasherFor(dir, cacheFile);
    await second.hasher.prefetch(['big.bin']);
    expect(second.hasher.tryDigest('big.bin')?.size).toBe(big.length);
    expect(second.hasher.stats).toEqual({ hashed: [], fromStatCache: 1 });
  });

  it('a file of several read chunks and a partial one hashes like a one-shot digest', () => {
    const dir = workspace({});
    const big = Buffer.alloc((5 << 20) + 12_345, 'lockstep');
    writeFileSync(join(dir, 'big.bin'), big);
    expect(hasherFor(dir).hasher.tryDigest('big.bin')).toEqual({ kind: 'file', sha256: createHash('sha256').update(big).digest('hex'), size: big.length });
  });
});

describe('stat cache', () => {
  it('reuses a digest only while inode, size, mtime and ctime are unchanged', async () => {
    const dir = workspace({ 'f.txt': 'one' });
    const file = join(dir, 'f.txt');
    await settle();
    const cacheFile = join(dir, 'stat.json');
    const first = hasherFor(dir, cacheFile);
    expect(first.hasher.tryDigest('f.txt')?.sha256).toBe(sha('one'));
    first.cache.save();

    const second = new StatCache(cacheFile);
    expect(second.lookup('f.txt', statSync(file))).toBe(sha('one'));

    // Same size, content changed, mtime put back: ctime still moves, so the entry is not trusted.
    const st = statSync(file);
    writeFileSync(file, 'two');
    utimesSync(file, st.atime, st.mtime);
    expect(second.lookup('f.txt', statSync(file))).toBeUndefined();
    expect(hasherFor(dir, cacheFile).hasher.tryDigest('f.txt')?.sha256).toBe(sha('two'));
  });

  it('never records a file modified within the racy window of its hashing', () => {
    const dir = workspace({ 'fresh.txt': 'new' });
    const cacheFile = join(dir, 'stat.json');
    const { hasher, cache } = hasherFor(dir, cacheFile);
    hasher.tryDigest('fresh.txt');
    cache.save();
    expect(new StatCache(cacheFile).lookup('fresh.txt', statSync(join(dir, 'fresh.txt')))).toBeUndefined();
  });

  it('detects a changed, added or removed file deep inside a directory', async () => {
    const dir = workspace({ 'd/x/1.txt': '1', 'd/x/2.txt': '2', 'd/y/3.txt': '3' });
    await settle();
    const cacheFile = join(dir, 'stat.json');
    const base = hasherFor(dir, cacheFile);
    const before = base.hasher.tryDigest('d')!.sha256;
    base.cache.save();

    writeFileSync(join(dir, 'd/x/2.txt'), 'changed');
    const changed = hasherFor(dir, cacheFile).hasher.tryDigest('d')!.sha256;
    expect(changed).not.toBe(before);
    mkdirSync(join(dir, 'd/z'));
    writeFileSync(join(dir, 'd/z/new.txt'), 'n');
    const added = hasherFor(dir, cacheFile).hasher.tryDigest('d')!.sha256;
    expect(added).not.toBe(changed);
    rmSync(join(dir, 'd/y/3.txt'));
    const removed = hasherFor(dir, cacheFile).hasher.tryDigest('d')!.sha256;
    expect(removed).not.toBe(added);
  });

  it('is read in step with the walk, vouches for paths in any order and saves them in the order asked', () => {
    const dir = workspace({});
    const cacheFile = join(dir, 'stat.tsv');
    const st = { ino: 7, size: 3, mtimeMs: 1000.5, ctimeMs: 1000.5 };
    const line = (key: string, digest: string) => `${key}\t7\t3\t1000.5\t1000.5\t${digest}`;
    const [a, ab, b] = [sha('a'), sha('ab'), sha('b')];
    writeFileSync(cacheFile, `lockstep-stat-cache 1\n${line('d/ab', ab)}\n${line('d/a', a)}\n${line('d/b', b)}\n`);
    const saved = () => readFileSync(cacheFile, 'utf8');
    const before = saved();

    // In the saved order: every look-up is answered and nothing needs writing.
    const inStep = new StatCache(cacheFile);
    expect([inStep.lookup('d/ab', st), inStep.lookup('d/a', st), inStep.lookup('d/b', st)]).toEqual([ab, a, b]);
    inStep.save();
    expect(saved()).toBe(before);

    // 'd/a' is a prefix of the line at the cursor ('d/ab'): not a match. Out of order, every path is still found,
    // a changed stat is still refused, and the save restores the order of this walk.
    const reordered = new StatCache(cacheFile);
    expect(reordered.lookup('d/a', st)).toBe(a);
    expect(reordered.lookup('d/b', { ...st, size: 4 })).toBeUndefined();
    expect(reordered.lookup('d/ab', st)).toBe(ab);
    expect(reordered.lookup('d/missing', st)).toBeUndefined();
    // A damaged digest of the right length is not vouched for (it would be written into a lock).
    const damaged = `lockstep-stat-cache 1\n${line('d/x', 'x'.repeat(64))}\n`;
    writeFileSync(join(dir, 'damaged.tsv'), damaged);
    expect(new StatCache(join(dir, 'damaged.tsv')).lookup('d/x', st)).toBeUndefined();
    reordered.save();
    expect(saved()).toBe(`lockstep-stat-cache 1\n${line('d/a', a)}\n${line('d/b', b)}\n${line('d/ab', ab)}\n`);
    expect(new StatCache(cacheFile).knowsNothingUnder('d')).toBe(false);
    expect(new StatCache(cacheFile).knowsNothingUnder('e')).toBe(true);

    // Lines of a directory new to the cache are appended without a map, and are there for any look-up after.
    const appended = new StatCache(cacheFile);
    const rest = (digest: string) => `\t7\t3\t1000.5\t1000.5\t${digest}`;
    appended.recordNewLine('e/new', rest(a), 5000);
    appended.recordNewLine('e/racy', rest(b), 1000);
    expect(appended.knowsNothingUnder('e')).toBe(false);
    appended.save();
    expect(saved()).toBe(`lockstep-stat-cache 1\n${line('d/a', a)}\n${line('d/b', b)}\n${line('d/ab', ab)}\n${line('e/new', a)}\n`);
    const mixed = new StatCache(cacheFile);
    mixed.recordNewLine('f/one', rest(b), 5000);
    expect(mixed.lookup('f/one', st)).toBe(b);
    expect(mixed.lookup('e/new', st)).toBe(a);
  });
});
