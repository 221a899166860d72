import { readdirSync, statSync, lstatSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { LockstepError, errnoCode } from '../errors.js';
import type { Reporter } from '../log.js';
import { isSameOrInside } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import { manifestJson, type Digest, type DirDigest, type ManifestEntry } from './digest.js';
import { sha256Bytes, sha256File, sha256FileAhead } from './file-digest.js';
import type { FileStat, StatCache } from './stat-cache.js';
import { hashFilesInWorkers, hashTreeInWorkers, WORKER_MIN_FILES, type Progress } from './worker-hash.js';

const PROGRESS_EVERY_MS = 250;
/** From this size a file is worth hashing ahead (`prefetch`): the read it hides outweighs a promise per chunk. */
export const AHEAD_MIN_BYTES = 64 << 20;

/** A file of a directory that the stat cache could not vouch for. */
interface Pending {
  index: number;
  abs: string;
  key: string;
  /** Absent when the walk skipped the stat (no stat-cache entry to compare with). */
  st?: FileStat;
}

/**
 * Digests of workspace paths (relative to `root`). Symlinks are followed; a broken one is an error that
 * names it. Results are memoized for the life of one command; `forget` drops what a stage may have
 * rewritten. The stat cache is the repository's, shared by every pipeline in it, so its keys are paths
 * from the state root: `statePrefix` is `root` relative to it (`.` when they are the same folder).
 */
export class Hasher {
  private readonly memo = new Map<string, Digest>();
  private lastProgress = 0;
  /** What this command read (`-v` prints counts, `-vv` the paths): files hashed, and files the stat cache vouched for. */
  readonly stats = { hashed: [] as string[], fromStatCache: 0 };

  constructor(
    private readonly root: string,
    private readonly statCache: StatCache,
    private readonly reporter: Reporter,
    private readonly statePrefix = '.',
  ) {}

  private statKey(rel: string): string {
    return this.statePrefix === '.' ? rel : posix.normalize(`${this.statePrefix}/${rel}`);
  }

  /** The digest of `rel`, or undefined when nothing exists there. */
  tryDigest(rel: string): Digest | undefined {
    const hit = this.memo.get(rel);
    if (hit) return hit;
    const abs = join(this.root, rel);
    const st = this.statFollow(abs, rel);
    if (!st) return undefined;
    if (!st.isDirectory()) assertRegular(st, rel);
    const digest = st.isDirectory() ? this.digestDir(abs, rel) : { kind: 'file' as const, ...this.digestFile(abs, this.statKey(rel), st) };
    this.memo.set(rel, digest);
    return digest;
  }

  /**
   * Digests the large files among `rels` ahead of the look-ups that will ask for them, reading while
   * hashing (`sha256FileAhead`). Costs a stat per path: callers pass only paths that may be large.
   */
  async prefetch(rels: Iterable<string>): Promise<void> {
    for (const rel of rels) {
      if (this.memo.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = this.statFollow(abs, rel);
      const key = this.statKey(rel);
      if (!st?.isFile() || st.size < AHEAD_MIN_BYTES || this.statCache.peek(key, st) !== undefined) continue;
      this.stats.hashed.push(key);
      const started = Date.now();
      const { sha256, size } = await sha256FileAhead(abs);
      if (size === st.size) this.statCache.record(key, st, sha256, started);
      this.memo.set(rel, { kind: 'file', sha256, size });
    }
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

  private digestFile(abs: string, key: string, st: FileStat): { sha256: string; size: number } {
    const cached = this.statCache.lookup(key, st);
    if (cached) {
      this.stats.fromStatCache++;
      return { sha256: cached, size: st.size };
    }
    this.stats.hashed.push(key);
    const started = Date.now();
    const { sha256, size } = sha256File(abs);
    // Only trust the stat we took before reading if the file did not change under us.
    if (size === st.size) this.statCache.record(key, st, sha256, started);
    return { sha256, size };
  }

  private digestDir(absDir: string, relDir: string): DirDigest {
    const progress = (done: number, total: number) => this.reporter.progress(`hashing ${relDir}: ${Math.round((100 * done) / total)}%`);
    const started = Date.now();
    const dirKey = this.statKey(relDir);
    if (this.statCache.knowsNothingUnder(dirKey)) {
      const manifest: ManifestEntry[] = [];
      const counted = this.stats.hashed.length;
      // What was reported is true even when the run gives up: the stat cache keeps it for the walk below.
      const done = hashTreeInWorkers(absDir, progress, (rel, sha256, size, statLine) => {
        const key = `${dirKey}/${rel}`;
        this.statCache.recordNewLine(key, statLine, started);
        this.stats.hashed.push(key);
        manifest.push({ path: rel, sha256, size });
      });
      if (done) return this.dirDigest(manifest);
      this.stats.hashed.length = counted;
    }
    const manifest: ManifestEntry[] = [];
    const pending: Pending[] = [];
    const seen = new Set<string>();
    // Plain string concatenation instead of path.join: this loop runs once per file of a dataset, and
    // join's normalisation showed up in profiles of 100k-file directories.
    const walk = (abs: string, prefix: string) => {
      const st = statSync(abs);
      const id = `${st.dev}:${st.ino}`;
      // A symlink pointing back up the tree would otherwise recurse forever.
      if (seen.has(id)) {
        throw new LockstepError('E_SYMLINK_LOOP', `${relDir}/${prefix} loops back through a symbolic link`, {
          hint: 'remove the link or point it outside the directory',
        });
      }
      seen.add(id);
      // Built once per directory, so each entry costs one concatenation per name it needs.
      const keyDir = prefix ? `${dirKey}/${prefix}/` : `${dirKey}/`;
      const relPrefix = prefix ? `${prefix}/` : '';
      for (const ent of readdirSync(abs, { withFileTypes: true })) {
        const childAbs = `${abs}/${ent.name}`;
        const childRel = relPrefix + ent.name;
        const key = keyDir + ent.name;
        let line: string | undefined;
        if (ent.isFile()) {
          line = this.statCache.line(key);
          if (line === undefined) {
            // Nothing to compare a stat with: whoever hashes the file takes its stat.
            manifest.push({ path: childRel, sha256: '', size: 0 });
            pending.push({ index: manifest.length - 1, abs: childAbs, key });
            continue;
          }
        }
        let isDir = ent.isDirectory();
        let childSt: Stats | undefined;
        if (ent.isSymbolicLink() || !isDir) {
          childSt = this.statFollow(childAbs, key);
          if (!childSt) continue;
          isDir = childSt.isDirectory();
          if (!isDir) assertRegular(childSt, key);
          if (!isDir && !ent.isFile()) line = this.statCache.line(key);
        }
        if (isDir) {
          walk(childAbs, childRel);
          continue;
        }
        const cached = this.statCache.matches(line, key, childSt!);
        manifest.push({ path: childRel, sha256: cached ?? '', size: childSt!.size });
        if (cached !== undefined) this.stats.fromStatCache++;
        else {
          // Keep four numbers, not the Stats object: holding 100k of those cost ~300 ms of GC.
          const { ino, size: bytes, mtimeMs, ctimeMs } = childSt!;
          pending.push({ index: manifest.length - 1, abs: childAbs, key, st: { ino, size: bytes, mtimeMs, ctimeMs } });
        }
        if ((manifest.length & 1023) === 0) this.maybeProgress(relDir, manifest.length);
      }
      seen.delete(id);
    };
    walk(absDir, '');
    if (pending.length >= WORKER_MIN_FILES) this.applyWorkers(manifest, pending, progress, started);
    this.hashPending(manifest, pending);
    return this.dirDigest(manifest);
  }

  private dirDigest(manifest: ManifestEntry[]): DirDigest {
    let size = 0;
    for (const e of manifest) size += e.size;
    manifest.sort((a, b) => compareStrings(a.path, b.path));
    return { kind: 'dir', sha256: sha256Bytes(manifestJson(manifest)), size, nfiles: manifest.length, manifest };
  }

  /** Many files to hash: on every core. A file that changed size since the walk stays pending. */
  private applyWorkers(manifest: ManifestEntry[], pending: Pending[], progress: Progress, started: number): void {
    const byKey = new Map(pending.map((p) => [p.key, p]));
    // Files reported before any trouble are done; the rest stay pending.
    hashFilesInWorkers(pending.map((p) => [p.abs, p.key]), progress, (key, sha256, size, statLine) => {
      const p = byKey.get(key)!;
      if (p.st && p.st.size !== size) return;
      // In place: the entry was created with its keys in canonical order (see manifestJson).
      const entry = manifest[p.index]!;
      entry.sha256 = sha256;
      entry.size = size;
      this.statCache.recordLine(p.key, statLine, started);
      this.stats.hashed.push(p.key);
      p.index = -1;
    });
  }

  /** Whatever is still pending, one by one on this thread (raising the real error for unreadable files). */
  private hashPending(manifest: ManifestEntry[], pending: Pending[]): void {
    for (const p of pending) {
      if (p.index < 0) continue;
      const st = p.st ?? this.statFollow(p.abs, p.key);
      if (!st) throw new LockstepError('E_VANISHED', `${p.key} disappeared while it was being hashed`, { hint: 'run again once nothing else writes there' });
      const d = this.digestFile(p.abs, p.key, st);
      manifest[p.index] = { path: manifest[p.index]!.path, sha256: d.sha256, size: d.size };
    }
  }

  private maybeProgress(dir: string, files: number): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    this.reporter.progress(`hashing ${dir}: ${files} files`);
  }
}

/** A FIFO, socket or device has no content to hash (opening a FIFO waits for a writer forever). */
function assertRegular(st: Stats, label: string): void {
  if (st.isFile()) return;
  throw new LockstepError('E_NOT_REGULAR_FILE', `${label} is not a regular file or directory (a FIFO, socket or device)`, {
    hint: 'move it out of what the pipeline hashes',
  });
}
