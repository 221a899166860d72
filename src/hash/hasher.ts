import { readdirSync, statSync, lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { LockstepError, errnoCode } from '../errors.js';
import type { Reporter } from '../log.js';
import { canonicalJson } from '../util/canonical-json.js';
import { isSameOrInside } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import type { Digest, DirDigest, ManifestEntry } from './digest.js';
import { sha256Bytes, sha256File } from './file-digest.js';
import type { StatCache } from './stat-cache.js';

const PROGRESS_EVERY_MS = 250;

/**
 * Digests of workspace paths (relative to `root`). Symlinks are followed; a broken one is an error that
 * names it. Results are memoized for the life of one command; `forget` drops what a stage may have
 * rewritten.
 */
export class Hasher {
  private readonly memo = new Map<string, Digest>();
  private lastProgress = 0;

  constructor(
    private readonly root: string,
    private readonly statCache: StatCache,
    private readonly reporter: Reporter,
  ) {}

  /** The digest of `rel`, or undefined when nothing exists there. */
  tryDigest(rel: string): Digest | undefined {
    const hit = this.memo.get(rel);
    if (hit) return hit;
    const abs = join(this.root, rel);
    const st = this.statFollow(abs, rel);
    if (!st) return undefined;
    const digest = st.isDirectory() ? this.digestDir(abs, rel) : { kind: 'file' as const, ...this.digestFile(abs, rel, st) };
    this.memo.set(rel, digest);
    return digest;
  }

  /** Drop memoized digests of `rel`, of anything inside it and of directories containing it. */
  forget(rel: string): void {
    for (const key of this.memo.keys()) {
      if (isSameOrInside(key, rel) || isSameOrInside(rel, key)) this.memo.delete(key);
    }
  }

  private statFollow(abs: string, label: string): Stats | undefined {
    try {
      return statSync(abs);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      let isLink = false;
      try {
        isLink = lstatSync(abs).isSymbolicLink();
      } catch {
        return undefined;
      }
      if (isLink) {
        throw new LockstepError('E_BROKEN_SYMLINK', `${label} is a broken symbolic link`, {
          hint: 'fix or remove the link',
          cause: err,
        });
      }
      return undefined;
    }
  }

  private digestFile(abs: string, key: string, st: Stats): { sha256: string; size: number } {
    const cached = this.statCache.lookup(key, st);
    if (cached) return { sha256: cached, size: st.size };
    const started = Date.now();
    const { sha256, size } = sha256File(abs);
    // Only trust the stat we took before reading if the file did not change under us.
    if (size === st.size) this.statCache.record(key, st, sha256, started);
    return { sha256, size };
  }

  private digestDir(absDir: string, relDir: string): DirDigest {
    const manifest: ManifestEntry[] = [];
    let size = 0;
    const seen = new Set<string>();
    const walk = (abs: string, prefix: string) => {
      const st = statSync(abs);
      const id = `${st.dev}:${st.ino}`;
      // A symlink pointing back up the tree would otherwise recurse forever.
      if (seen.has(id)) throw new LockstepError('E_SYMLINK_LOOP', `${relDir}/${prefix} loops back through a symbolic link`);
      seen.add(id);
      for (const ent of readdirSync(abs, { withFileTypes: true })) {
        const childAbs = join(abs, ent.name);
        const childRel = prefix ? `${prefix}/${ent.name}` : ent.name;
        let isDir = ent.isDirectory();
        let childSt: Stats | undefined;
        if (ent.isSymbolicLink() || !isDir) {
          childSt = this.statFollow(childAbs, `${relDir}/${childRel}`);
          if (!childSt) continue;
          isDir = childSt.isDirectory();
        }
        if (isDir) {
          walk(childAbs, childRel);
          continue;
        }
        const d = this.digestFile(childAbs, `${relDir}/${childRel}`, childSt!);
        manifest.push({ path: childRel, sha256: d.sha256, size: d.size });
        size += d.size;
        this.maybeProgress(relDir, manifest.length);
      }
      seen.delete(id);
    };
    walk(absDir, '');
    manifest.sort((a, b) => compareStrings(a.path, b.path));
    return { kind: 'dir', sha256: sha256Bytes(canonicalJson(manifest)), size, nfiles: manifest.length, manifest };
  }

  private maybeProgress(dir: string, files: number): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    this.reporter.progress(`hashing ${dir}: ${files} files`);
  }
}
