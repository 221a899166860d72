import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hasher } from '../../src/hash/hasher.js';
import { StatCache } from '../../src/hash/stat-cache.js';
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
    reordered.save();
    expect(saved()).toBe(`lockstep-stat-cache 1\n${line('d/a', a)}\n${line('d/b', b)}\n${line('d/ab', ab)}\n`);
    expect(new StatCache(cacheFile).knowsNothingUnder('d')).toBe(false);
    expect(new StatCache(cacheFile).knowsNothingUnder('e')).toBe(true);
  });
});
