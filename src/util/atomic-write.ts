import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoCode } from '../errors.js';
import { isAlive } from './is-alive.js';

/** Removes a file if it is there: a plain unlink, far cheaper than rmSync's recursive machinery per file. */
export function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** `.name.<pid>.<hex>.tmp`: the writer's pid is in the name, so a leftover can be told from a live write. */
const TEMP_NAME = /^\..*\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temp name for `path`, in `dir` (by default beside it, so the final rename never crosses a filesystem). */
export function tempSibling(path: string, dir = dirname(path)): string {
  return join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Renames `tmp` over `path`; when `tmp` sits in another folder on another filesystem (EXDEV), the data is
 * rebuilt beside `path` with `rebuild` and renamed from there.
 */
export function renameInto(tmp: string, path: string, rebuild: (sibling: string) => void): void {
  try {
    renameSync(tmp, path);
    return;
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
  }
  rmSync(tmp, { force: true });
  const sibling = tempSibling(path);
  try {
    rebuild(sibling);
    renameSync(sibling, path);
  } catch (err) {
    rmSync(sibling, { force: true });
    throw err;
  }
}

function writeTemp(tmp: string, data: string | Uint8Array, durable: boolean): void {
  mkdirSync(dirname(tmp), { recursive: true });
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` so that readers see either the old file or the whole new one, never a torn write, even
 * when the process is killed half-way: write a temp file, fsync it, rename it over the target.
 * `durable: false` skips the fsync, for caches whose loss only costs time (each fsync is ~5 ms here).
 * `tmpDir` keeps the temp file out of the user's folders (`.lockstep/tmp`), so a kill -9 leaves nothing
 * beside their files.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: { durable?: boolean; tmpDir?: string } = {}): void {
  const durable = opts.durable !== false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path, opts.tmpDir);
  try {
    writeTemp(tmp, data, durable);
    renameInto(tmp, path, (sibling) => writeTemp(sibling, data, durable));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A dead writer's file is stale after a minute; after an hour any is (its pid may have been reused). */
const DEAD_OWNER_MS = 60 * 1000;
const ANY_OWNER_MS = 60 * 60 * 1000;

/**
 * Removes the temp files a killed lockstep left in `dir` (only those named `.<prefix>…`); returns how many.
 * Live writers' files stay.
 */
export function removeStaleTemps(dir: string, prefix = '', now = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || !name.startsWith(`.${prefix}`)) continue;
    const path = join(dir, name);
    const age = now - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? now);
    if (age > ANY_OWNER_MS || (age > DEAD_OWNER_MS && !isAlive(Number(m[1])))) {
      rmSync(path, { force: true, recursive: true });
      removed++;
    }
  }
  return removed;
}
