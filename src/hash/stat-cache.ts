import { readFileSync } from 'node:fs';
import { STAT_CACHE_VERSION } from '../constants.js';
import { errnoCode } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** The part of a stat that says a file may have changed (a Stats object satisfies it). */
export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const HEADER = `lockstep-stat-cache ${STAT_CACHE_VERSION}`;

/**
 * Remembers the digest of a file together with its inode, size, mtime and ctime, so an unchanged file is
 * never read twice. Any change in those four means the entry is ignored.
 *
 * The mtime-granularity race: a file written again within the same timestamp tick as our read keeps the
 * same stat. So an entry is only recorded once the file's mtime and ctime are safely older than the
 * moment its read began; a "racy" file is simply hashed again next time (git's racy-index rule).
 *
 * On disk: one line per file, `path \t ino \t size \t mtimeMs \t ctimeMs \t sha256`. Lines are only split
 * when looked up: for a 100k-file dataset this loads in about a third of the time JSON.parse took.
 */
export class StatCache {
  /** path → the raw line from disk, or a fresh entry recorded in this run */
  private entries = new Map<string, string>();
  private dirty = false;

  constructor(private readonly file: string | undefined) {
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      // A missing or unreadable stat cache only costs a re-hash; it is never a reason to fail.
      if (errnoCode(err) !== 'ENOENT') this.dirty = true;
      return;
    }
    const lines = text.split('\n');
    if (lines[0] !== HEADER) {
      this.dirty = true;
      return;
    }
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const tab = line.indexOf('\t');
      if (tab > 0) this.entries.set(line.slice(0, tab), line);
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** True when no entry lies below `dir`: a directory hashed for the first time. */
  knowsNothingUnder(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) return false;
    return true;
  }

  lookup(key: string, st: FileStat): string | undefined {
    const line = this.entries.get(key);
    if (line === undefined) return undefined;
    // Comparing one built prefix allocates far less than splitting every line (GC showed in profiles).
    const prefix = `${key}\t${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t`;
    return line.length === prefix.length + 64 && line.startsWith(prefix) ? line.slice(prefix.length) : undefined;
  }

  /** `readStartedMs`: wall-clock time taken just before the file was read. */
  record(key: string, st: FileStat, sha256: string, readStartedMs: number): void {
    const tick = Number.isInteger(st.mtimeMs / 1000) ? 2000 : 100;
    if (st.mtimeMs >= readStartedMs - tick || st.ctimeMs >= readStartedMs - tick || key.includes('\t') || key.includes('\n')) {
      if (this.entries.delete(key)) this.dirty = true;
      return;
    }
    this.entries.set(key, `${key}\t${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${sha256}`);
    this.dirty = true;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    writeFileAtomic(this.file, `${HEADER}\n${[...this.entries.values()].join('\n')}\n`, { durable: false });
    this.dirty = false;
  }
}
