import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FileStat } from './stat-cache.js';

/**
 * sha256 of many files on every core, synchronously for the caller. Two uses:
 * - a directory the stat cache knows nothing about (a new dataset): the workers walk *and* hash whole
 *   subtrees, so the main thread neither stats nor tracks 100k files one by one (measured on 100k files
 *   of 1–8 KiB, main-thread bookkeeping is what kept a walk-then-hash design at ~1.15× `find | xargs -P2
 *   sha256sum`);
 * - the files of a known directory whose stat no longer matches the cache, when there are many.
 *
 * Work units are taken from a shared atomic counter, so a large subtree does not leave the other worker
 * idle. Results come back as text lines through message ports read with receiveMessageOnPort after an
 * Atomics.wait. Each file's stat is taken (fstat) before it is read; the caller decides with it whether
 * the digest may be remembered. Any trouble (a broken symlink, an unreadable or changing file) returns
 * undefined: the caller then hashes on its own thread, which raises the precise error.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { units, queue, done, port } = workerData;
const q = new Int32Array(queue);
const d = new Int32Array(done);
const buf = Buffer.allocUnsafe(1 << 20);
function hashFile(abs, rel, out) {
  const fd = fs.openSync(abs, 'r');
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file: ' + rel);
    let total = fs.readSync(fd, buf, 0, buf.length, null);
    let sha;
    if (total < buf.length && crypto.hash) sha = crypto.hash('sha256', buf.subarray(0, total), 'hex');
    else {
      const h = crypto.createHash('sha256');
      h.update(buf.subarray(0, total));
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; total += n) h.update(buf.subarray(0, n));
      sha = h.digest('hex');
    }
    if (total !== st.size) throw new Error('changed while hashing: ' + rel);
    out.push(rel + '\\t' + st.ino + '\\t' + st.size + '\\t' + st.mtimeMs + '\\t' + st.ctimeMs + '\\t' + sha);
  } finally {
    fs.closeSync(fd);
  }
}
function walk(abs, rel, out, seen) {
  const st = fs.statSync(abs);
  const id = st.dev + ':' + st.ino;
  if (seen.has(id)) throw new Error('symlink loop at ' + rel);
  seen.add(id);
  for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
    const a = abs + '/' + ent.name;
    const r = rel ? rel + '/' + ent.name : ent.name;
    const isDir = ent.isDirectory() || (ent.isSymbolicLink() && fs.statSync(a).isDirectory());
    if (isDir) walk(a, r, out, seen);
    else hashFile(a, r, out);
  }
  seen.delete(id);
}
for (;;) {
  const i = Atomics.add(q, 0, 1);
  if (i >= units.length) break;
  const unit = units[i];
  try {
    const out = [];
    if (unit.files) for (const [abs, rel] of unit.files) hashFile(abs, rel, out);
    else walk(unit.dir, unit.rel, out, new Set());
    port.postMessage({ text: out.join('\\n') });
  } catch (e) {
    port.postMessage({ error: String(e && e.message || e) });
  }
  Atomics.add(d, 0, 1);
  Atomics.notify(d, 0);
}
`;

/** A subtree to walk, or files to hash, each as [absolute path, name reported back]. */
type Unit = { dir: string; rel: string } | { files: [string, string][] };

/**
 * Called once per hashed file with the name the caller gave (relative to the directory walked), its
 * digest and its stat as the worker saw it before reading (`st.size` is the size hashed). A callback
 * rather than a result array: on 100k files every object per file shows up as main-thread GC.
 */
export type EachHashed = (rel: string, sha256: string, st: FileStat) => void;
// Nothing is reported until every unit succeeded, so a caller never sees half a result.

export type Progress = (done: number, total: number) => void;

const FILES_PER_UNIT = 512;
/** Split the top of a tree on the main thread until there are enough units to share out. */
const MIN_UNITS = 16;
/** Fewer files than this are hashed faster on the caller's thread than by starting workers (~30 ms). */
export const WORKER_MIN_FILES = 512;

/** Every file below `absDir`, named relative to it; false (nothing reported) when the caller must walk it itself. */
export function hashTreeInWorkers(absDir: string, progress: Progress, each: EachHashed): boolean {
  const units: Unit[] = [];
  const dirs: { dir: string; rel: string }[] = [{ dir: absDir, rel: '' }];
  while (dirs.length && units.length + dirs.length < MIN_UNITS) {
    const { dir, rel } = dirs.shift()!;
    const files: [string, string][] = [];
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      // A symlink at the top: the caller's walk follows it and names a broken one.
      if (ent.isSymbolicLink()) return false;
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) dirs.push({ dir: `${dir}/${ent.name}`, rel: childRel });
      else files.push([`${dir}/${ent.name}`, childRel]);
    }
    for (let i = 0; i < files.length; i += FILES_PER_UNIT) units.push({ files: files.slice(i, i + FILES_PER_UNIT) });
  }
  units.push(...dirs);
  return run(units, progress, each);
}

/** The given files ([absolute path, name reported back]); false (nothing reported) when the caller must hash them itself. */
export function hashFilesInWorkers(files: [string, string][], progress: Progress, each: EachHashed): boolean {
  const units: Unit[] = [];
  for (let i = 0; i < files.length; i += FILES_PER_UNIT) units.push({ files: files.slice(i, i + FILES_PER_UNIT) });
  return run(units, progress, each);
}

function run(units: Unit[], progress: Progress, each: EachHashed): boolean {
  if (units.length === 0) return true;
  const queue = new SharedArrayBuffer(4);
  const done = new SharedArrayBuffer(4);
  const n = Math.max(1, Math.min(4, cpus().length, units.length));
  const channels = Array.from({ length: n }, () => new MessageChannel());
  const workers = channels.map(
    (ch) => new Worker(WORKER_SOURCE, { eval: true, workerData: { units, queue, done, port: ch.port2 }, transferList: [ch.port2] }),
  );
  let failed = false;
  for (const w of workers) w.on('error', () => (failed = true));
  const d = new Int32Array(done);
  const texts: string[] = [];
  try {
    // Wake up now and then to report progress; give up (the caller hashes) if nothing moves for a minute.
    let lastMove = Date.now();
    for (let seen = Atomics.load(d, 0); seen < units.length; seen = Atomics.load(d, 0)) {
      Atomics.wait(d, 0, seen, 250);
      if (failed) return false;
      if (Atomics.load(d, 0) !== seen) lastMove = Date.now();
      else if (Date.now() - lastMove > 60_000) return false;
      progress(Atomics.load(d, 0), units.length);
    }
    for (const ch of channels) {
      for (let msg = receiveMessageOnPort(ch.port1); msg; msg = receiveMessageOnPort(ch.port1)) {
        const m = msg.message as { text?: string; error?: string };
        if (m.error !== undefined) return false;
        if (m.text) texts.push(m.text);
      }
    }
  } finally {
    for (const w of workers) void w.terminate();
    for (const ch of channels) ch.port1.close();
  }
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const f = line.split('\t');
      each(f[0]!, f[5]!, { ino: Number(f[1]), size: Number(f[2]), mtimeMs: Number(f[3]), ctimeMs: Number(f[4]) });
    }
  }
  return true;
}
