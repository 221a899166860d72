import { readFileSync, type Stats } from 'node:fs';
import { STAT_CACHE_VERSION } from '../constants.js';
import { errnoCode } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** [inode, size, mtimeMs, ctimeMs, sha256] */
type Entry = [number, number, number, number, string];

interface StatCacheFile {
  version: number;
  entries: Record<string, Entry>;
}

/**
 * Remembers the digest of a file together with its inode, size, mtime and ctime, so an unchanged file is
 * never read twice. Any change in those four means the entry is ignored.
 *
 * The mtime-granularity race: a file written again within the same timestamp tick as our read keeps the
 * same stat. So an entry is only recorded once the file's mtime is safely older than the moment its read
 * began; a "racy" file is simply hashed again next time (git's racy-index rule).
 */
export class StatCache {
  private entries: Record<string, Entry> = {};
  private dirty = false;

  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as StatCacheFile;
      if (data.version === STAT_CACHE_VERSION && data.entries && typeof data.entries === 'object') {
        this.entries = data.entries;
      }
    } catch (err) {
      // A missing or corrupt stat cache only costs a re-hash; it is never a reason to fail.
      if (errnoCode(err) !== 'ENOENT') this.dirty = true;
    }
  }

  lookup(key: string, st: Stats): string | undefined {
    const e = this.entries[key];
    if (!e) return undefined;
    if (e[0] !== st.ino || e[1] !== st.size || e[2] !== st.mtimeMs || e[3] !== st.ctimeMs) return undefined;
    return e[4];
  }

  /** `readStartedMs`: wall-clock time taken just before the file was read. */
  record(key: string, st: Stats, sha256: string, readStartedMs: number): void {
    const tick = Number.isInteger(st.mtimeMs / 1000) ? 2000 : 100;
    if (st.mtimeMs >= readStartedMs - tick || st.ctimeMs >= readStartedMs - tick) {
      if (this.entries[key]) {
        delete this.entries[key];
        this.dirty = true;
      }
      return;
    }
    this.entries[key] = [st.ino, st.size, st.mtimeMs, st.ctimeMs, sha256];
    this.dirty = true;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    const data: StatCacheFile = { version: STAT_CACHE_VERSION, entries: this.entries };
    writeFileAtomic(this.file, JSON.stringify(data), { durable: false });
    this.dirty = false;
  }
}
