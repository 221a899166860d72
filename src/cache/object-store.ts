import { chmodSync, constants, copyFileSync, existsSync, linkSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CACHE_DIR, OBJECTS_DIR, stateDirOf } from '../constants.js';
import { LockstepError, errnoCode } from '../errors.js';
import { manifestJson, SHA256_HEX, type Digest } from '../hash/digest.js';
import { sha256Bytes, sha256File } from '../hash/file-digest.js';
import { tempSibling, unlinkIfExists } from '../util/atomic-write.js';
import { fanOutEntries } from '../util/fan-out.js';

/**
 * Content-addressed objects under `.lockstep/cache/files/sha256/ab/cdef…`. An object is written to a temp
 * file in its own folder, verified, made read-only and then linked into place with an exclusive create, so
 * a crash never leaves a partial object under its final name and an existing object is never rewritten.
 */
export class ObjectStore {
  readonly dir: string;

  /** `dir`: any folder of the repository (see stateDirOf). */
  constructor(dir: string) {
    this.dir = join(stateDirOf(dir), CACHE_DIR, OBJECTS_DIR);
  }

  pathOf(sha256: string): string {
    // Digests come from locks, run records and manifests, which may be hostile: never let one name a path.
    if (!SHA256_HEX.test(sha256)) throw new LockstepError('E_BAD_DIGEST', `${JSON.stringify(sha256)} is not a sha256 digest`, { hint: 'the lock or run record that named it is corrupt' });
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  /** Every stored object: its digest (from its path), absolute path and size. Temp files are skipped. */
  *list(): Generator<{ sha256: string; path: string; size: number }> {
    for (const { fan, name, path } of fanOutEntries(this.dir)) {
      if (!name.startsWith('.')) yield { sha256: fan + name, path, size: statSync(path).size };
    }
  }

  /** Temp files left by a killed writer (a running one may still own young ones). */
  *temps(): Generator<{ path: string; mtimeMs: number }> {
    for (const { name, path } of fanOutEntries(this.dir)) {
      if (name.startsWith('.') && name.endsWith('.tmp')) yield { path, mtimeMs: statSync(path).mtimeMs };
    }
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  /** Stores a workspace file or directory (each file, then the manifest) under the given digest. */
  putPath(abs: string, digest: Digest, progress?: (done: number, total: number) => void): void {
    if (digest.kind === 'file') {
      this.putFile(abs, digest.sha256);
      return;
    }
    digest.manifest.forEach((entry, i) => {
      this.putFile(join(abs, entry.path), entry.sha256);
      if ((i & 255) === 255) progress?.(i + 1, digest.manifest.length);
    });
    this.putBytes(Buffer.from(manifestJson(digest.manifest)), digest.sha256);
  }

  putFile(src: string, sha256: string): void {
    if (this.has(sha256)) return;
    const final = this.pathOf(sha256);
    mkdirSync(dirname(final), { recursive: true });
    const tmp = tempSibling(final);
    try {
      // A reflink when the filesystem can, a plain copy otherwise.
      copyFileSync(src, tmp, constants.COPYFILE_FICLONE);
      const actual = sha256File(tmp).sha256;
      if (actual !== sha256) {
        throw new LockstepError('E_CHANGED_WHILE_CACHING', `${src} changed while it was being cached`, {
          hint: 'make sure nothing else writes the stage outputs, then run again',
        });
      }
      this.commit(tmp, final);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  putBytes(data: Buffer, sha256: string): void {
    if (this.has(sha256)) return;
    if (sha256Bytes(data) !== sha256) {
      throw new LockstepError('E_BAD_OBJECT', `refusing to store bytes under the wrong digest ${sha256}`);
    }
    const final = this.pathOf(sha256);
    mkdirSync(dirname(final), { recursive: true });
    const tmp = tempSibling(final);
    try {
      writeFileSync(tmp, data, { flag: 'wx' });
      this.commit(tmp, final);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** A temp path beside where `sha256` would be stored, for a download to land in (its folder exists). */
  tempFor(sha256: string): string {
    const final = this.pathOf(sha256);
    mkdirSync(dirname(final), { recursive: true });
    return tempSibling(final);
  }

  /**
   * Stores a file written at `tempFor(sha256)` whose bytes the caller has verified hash to `sha256`; the
   * temp file is consumed either way.
   */
  adopt(tmp: string, sha256: string): void {
    try {
      this.commit(tmp, this.pathOf(sha256));
    } finally {
      unlinkIfExists(tmp);
    }
  }

  private commit(tmp: string, final: string): void {
    chmodSync(tmp, 0o444);
    try {
      linkSync(tmp, final);
    } catch (err) {
      // Someone stored the same content first: objects are immutable, theirs is as good as ours.
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
}
