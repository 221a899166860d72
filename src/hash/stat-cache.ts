import { readFileSync } from 'node:fs';
import { STAT_CACHE_VERSION } from '../constants.js';
import { errnoCode } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SHA256_HEX } from './digest.js';

/** The part of a stat that says a file may have changed (a Stats object satisfies it). */
export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const HEADER = `lockstep-stat-cache ${STAT_CACHE_VERSION}`;
const TAB = 9;
const SHA_HEX_LENGTH = 64;

/**
 * Remembers the digest of a file together with its inode, size, mtime and ctime, so an unchanged file is
 * never read twice. Any change in those four means the entry is ignored.
 *
 * The mtime-granularity race: a file written again within the same timestamp tick as our read keeps the
 * same stat. So an entry is only recorded once the file's mtime and ctime are safely older than the
 * moment its read began; a "racy" file is simply hashed again next time (git's racy-index rule).
 *
 * On disk: one line per file, `path \t ino \t size \t mtimeMs \t ctimeMs \t sha256`, in the order the
 * last command asked for them. Like git's index, the file is read in step with the walk: while the
 * paths come in the order they were saved, each look-up only compares the text at a cursor, so a no-op
 * over 100k files splits no lines and builds no map (those were ~25% of its time, issue 13). The first
 * path out of order builds the map, and the next save restores the order the walk wants.
 */
export class StatCache {
  private text = '';
  private cursor = 0;
  /** path → line; built on the first look-up out of order, or the first change. */
  private entries: Map<string, string> | undefined;
  /** Paths in the order this command asked for them; only kept once `entries` exists. */
  private readonly asked = new Set<string>();
  /** Lines of paths the cache held nothing for (`recordNewLine`), until a map is built. */
  private fresh: string[] = [];
  private dirty = false;

  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const text = readFileSync(file, 'utf8');
      // A file from another version (or not ours) is ignored and replaced on the next save.
      if (text.startsWith(`${HEADER}\n`)) this.text = text;
      else this.dirty = true;
    } catch (err) {
      // A missing or unreadable stat cache only costs a re-hash; it is never a reason to fail.
      if (errnoCode(err) !== 'ENOENT') this.dirty = true;
    }
    this.cursor = this.text ? HEADER.length + 1 : 0;
  }

  /** The saved line of `key`, if any. Consumes the cursor when `key` is the next saved path. */
  line(key: string): string | undefined {
    const { text, cursor } = this;
    if (!this.entries && cursor < text.length && text.startsWith(key, cursor) && text.charCodeAt(cursor + key.length) === TAB) {
      const end = text.indexOf('\n', cursor);
      this.cursor = end < 0 ? text.length : end + 1;
      return text.slice(cursor, end < 0 ? text.length : end);
    }
    const entries = this.map();
    this.asked.add(key);
    return entries.get(key);
  }

  /** The digest a saved line vouches for when `st` still matches it. */
  matches(line: string | undefined, key: string, st: FileStat): string | undefined {
    if (line === undefined) return undefined;
    // Comparing one built string allocates far less than splitting every line (GC showed in profiles).
    const stat = `\t${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t`;
    if (line.length !== key.length + stat.length + SHA_HEX_LENGTH || !line.startsWith(stat, key.length)) return undefined;
    // A damaged line must not reach a lock: the digest is checked, not just its length.
    const sha256 = line.slice(-SHA_HEX_LENGTH);
    return SHA256_HEX.test(sha256) ? sha256 : undefined;
  }

  /** The digest vouched for `key`, without moving the cursor: for a look-up out of the walk's order. */
  peek(key: string, st: FileStat): string | undefined {
    if (this.entries) return this.matches(this.entries.get(key), key, st);
    const { text } = this;
    const at = text.startsWith(`${key}\t`, HEADER.length + 1) ? HEADER.length + 1 : text.indexOf(`\n${key}\t`) + 1;
    if (at <= 0) return undefined;
    const end = text.indexOf('\n', at);
    return this.matches(text.slice(at, end < 0 ? text.length : end), key, st);
  }

  lookup(key: string, st: FileStat): string | undefined {
    return this.matches(this.line(key), key, st);
  }

  /** True when no entry lies below `dir`: a directory hashed for the first time. */
  knowsNothingUnder(dir: string): boolean {
    const prefix = `${dir}/`;
    if (this.entries) {
      for (const key of this.entries.keys()) if (key.startsWith(prefix)) return false;
      return true;
    }
    return !this.text.startsWith(prefix, HEADER.length + 1) && !this.text.includes(`\n${prefix}`) && !this.fresh.some((line) => line.startsWith(prefix));
  }

  /** `readStartedMs`: wall-clock time taken just before the file was read. */
  record(key: string, st: FileStat, sha256: string, readStartedMs: number): void {
    this.put(key, st.mtimeMs, st.ctimeMs, `${key}\t${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${sha256}`, readStartedMs);
  }

  /**
   * The same from a line as hashing threads report it, `\t ino \t size \t mtimeMs \t ctimeMs \t sha256`:
   * only the two times are parsed, the text is kept as it came (per file, parsing and re-printing showed
   * as main-thread time and garbage on 20k files).
   */
  recordLine(key: string, rest: string, readStartedMs: number): void {
    const [mtimeMs, ctimeMs] = timesOf(rest);
    this.put(key, mtimeMs, ctimeMs, key + rest, readStartedMs);
  }

  /**
   * `recordLine` for a path the cache holds nothing for (a directory it knew nothing under): the line is
   * appended, no map is built — on a first status of 20k files the map's inserts and the save's
   * re-ordering were ~10% of the main thread.
   */
  recordNewLine(key: string, rest: string, readStartedMs: number): void {
    if (this.entries) return this.recordLine(key, rest, readStartedMs);
    const [mtimeMs, ctimeMs] = timesOf(rest);
    this.dirty = true;
    if (trusted(key, mtimeMs, ctimeMs, readStartedMs)) this.fresh.push(key + rest);
  }

  private put(key: string, mtimeMs: number, ctimeMs: number, line: string, readStartedMs: number): void {
    const entries = this.map();
    this.asked.add(key);
    this.dirty = true;
    if (trusted(key, mtimeMs, ctimeMs, readStartedMs)) entries.set(key, line);
    else entries.delete(key);
  }

  /** Saved in the order this command asked (its walk's order), then whatever it did not ask about. */
  save(): void {
    if (!this.file || !this.dirty) return;
    if (!this.entries) {
      // Nothing asked out of order or changed: what was read, then what was new.
      const read = this.text ? (this.text.endsWith('\n') ? this.text : `${this.text}\n`) : `${HEADER}\n`;
      writeFileAtomic(this.file, this.fresh.length ? `${read}${this.fresh.join('\n')}\n` : read, { durable: false });
      this.dirty = false;
      return;
    }
    const lines: string[] = [];
    for (const key of this.asked) {
      const line = this.entries.get(key);
      if (line !== undefined) lines.push(line);
    }
    for (const [key, line] of this.entries) if (!this.asked.has(key)) lines.push(line);
    writeFileAtomic(this.file, `${HEADER}\n${lines.join('\n')}\n`, { durable: false });
    this.dirty = false;
  }

  /**
   * Every saved line by path. Built once the walk leaves the saved order: from then on the order is
   * remembered so the next save can restore it — the paths already passed at the cursor come first.
   */
  private map(): Map<string, string> {
    if (this.entries) return this.entries;
    const entries = new Map<string, string>();
    const { text } = this;
    const start = text ? HEADER.length + 1 : 0;
    for (let i = start; i < text.length; ) {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      const tab = text.indexOf('\t', i);
      if (tab > i && tab < end) {
        const key = text.slice(i, tab);
        entries.set(key, text.slice(i, end));
        if (i < this.cursor) this.asked.add(key);
      }
      i = end + 1;
    }
    for (const line of this.fresh) {
      const key = line.slice(0, line.indexOf('\t'));
      entries.set(key, line);
      this.asked.add(key);
    }
    this.fresh = [];
    // The saved order no longer matches the walk: rewrite it, so the next command reads in step again.
    if (this.cursor > start || text.length > start) this.dirty = true;
    this.entries = entries;
    return entries;
  }
}

/**
 * Whether a digest may be remembered with this stat: not when the file's mtime or ctime is within a
 * timestamp tick of the moment its read began (it may change again unseen), nor for a path a line
 * cannot hold.
 */
function trusted(key: string, mtimeMs: number, ctimeMs: number, readStartedMs: number): boolean {
  const tick = Number.isInteger(mtimeMs / 1000) ? 2000 : 100;
  return mtimeMs < readStartedMs - tick && ctimeMs < readStartedMs - tick && !key.includes('\t') && !key.includes('\n');
}

/** mtimeMs and ctimeMs of a line's stat part (`\t ino \t size \t mtimeMs \t ctimeMs \t sha256`). */
function timesOf(rest: string): [number, number] {
  const size = rest.indexOf('\t', 1);
  const mtime = rest.indexOf('\t', size + 1);
  const ctime = rest.indexOf('\t', mtime + 1);
  const sha = rest.indexOf('\t', ctime + 1);
  return [Number(rest.slice(mtime + 1, ctime)), Number(rest.slice(ctime + 1, sha))];
}
