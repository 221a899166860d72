import * as nodeCrypto from 'node:crypto';
import * as nodeFs from 'node:fs';
import { cpus } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** A subtree to walk, or files to hash, each as [absolute path, name reported back]. */
type Unit = { dir: string; rel: string } | { files: [string, string][] };

interface UnitIo {
  fs: typeof nodeFs;
  crypto: typeof nodeCrypto;
  buf: Buffer;
}

/**
 * Hashes one unit, appending `name \t ino \t size \t mtimeMs \t ctimeMs \t sha256` lines to `out`. Each
 * file's stat is taken (fstat) before it is read; the caller decides with it whether the digest may be
 * remembered. Runs on the caller's thread and, as source text, in the workers: so it uses nothing but
 * its arguments and the globals every thread has.
 */
export function hashUnit(unit: Unit, out: string[], io: UnitIo): void {
  const { fs, crypto, buf } = io;
  const hashFile = (abs: string, rel: string) => {
    // The lines are tab-separated and newline-ended: such a name is left to the caller's own walk.
    if (rel.includes('\t') || rel.includes('\n')) throw new Error(`a tab or newline in the name of ${rel}`);
    const fd = fs.openSync(abs, 'r');
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new Error(`not a regular file: ${rel}`);
      let total = fs.readSync(fd, buf, 0, buf.length, null);
      let sha: string;
      if (total < buf.length && crypto.hash) sha = crypto.hash('sha256', buf.subarray(0, total), 'hex');
      else {
        const h = crypto.createHash('sha256');
        h.update(buf.subarray(0, total));
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; total += n) h.update(buf.subarray(0, n));
        sha = h.digest('hex');
      }
      if (total !== st.size) throw new Error(`changed while hashing: ${rel}`);
      out.push(`${rel}\t${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${sha}`);
    } finally {
      fs.closeSync(fd);
    }
  };
  const walk = (abs: string, rel: string, seen: Set<string>) => {
    const st = fs.statSync(abs);
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) throw new Error(`symlink loop at ${rel}`);
    seen.add(id);
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = `${abs}/${ent.name}`;
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      const target = ent.isSymbolicLink() ? fs.statSync(a) : undefined;
      if (ent.isDirectory() || target?.isDirectory()) walk(a, r, seen);
      else if (ent.isFile() || target?.isFile()) hashFile(a, r);
      // Opening a FIFO would wait forever: the caller's walk names it.
      else throw new Error(`not a regular file: ${r}`);
    }
    seen.delete(id);
  };
  if ('files' in unit) for (const [abs, rel] of unit.files) hashFile(abs, rel);
  else walk(unit.dir, unit.rel, new Set());
}

/**
 * sha256 of many files on every core, synchronously for the caller. Two uses:
 * - a directory the stat cache knows nothing about (a new dataset): units walk *and* hash whole
 *   subtrees, so the main thread neither stats nor tracks 100k files one by one;
 * - the files of a known directory whose stat no longer matches the cache, when there are many.
 *
 * The caller's thread hashes units too, from the first moment: a worker takes ~25 ms to start, which on
 * a 20k-file tree was a tenth of the time with the caller idle (issue 13). Units are taken from a shared
 * atomic counter, so a large subtree does not leave a thread idle. Workers send each unit's lines as
 * one text through a message port, read with receiveMessageOnPort between the caller's own units.
 */
export const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const hashUnit = ${hashUnit.toString()};
const { units, queue, done, port } = workerData;
const q = new Int32Array(queue);
const d = new Int32Array(done);
const io = { fs: require('node:fs'), crypto: require('node:crypto'), buf: Buffer.allocUnsafe(1 << 20) };
for (;;) {
  const i = Atomics.add(q, 0, 1);
  if (i >= units.length) break;
  try {
    const out = [];
    hashUnit(units[i], out, io);
    port.postMessage({ text: out.join('\\n') });
  } catch (e) {
    port.postMessage({ error: String((e && e.message) || e) });
  }
  Atomics.add(d, 0, 1);
  Atomics.notify(d, 0);
}
`;

/**
 * Called once per hashed file, as units finish, with the name the caller gave (relative to the directory
 * walked), its digest, the size hashed, and the line's stat part as `StatCache.recordLine` takes it (the
 * stat as seen before reading). Strings, not objects: on 100k files every object per file shows up as
 * main-thread GC. When the run returns false, what was reported is true but incomplete.
 */
export type EachHashed = (rel: string, sha256: string, size: number, statLine: string) => void;

export type Progress = (done: number, total: number) => void;

const FILES_PER_UNIT = 512;
/** Split the top of a tree on the main thread until there are enough units to share out. */
const MIN_UNITS = 16;
/** Fewer files than this are hashed faster one by one than through units (their bookkeeping). */
export const WORKER_MIN_FILES = 512;
/** Threads hashing at once, the caller's included. */
const MAX_THREADS = 4;

/** Every file below `absDir`, named relative to it; false when the caller must walk it itself. */
export function hashTreeInWorkers(absDir: string, progress: Progress, each: EachHashed): boolean {
  const units: Unit[] = [];
  const dirs: { dir: string; rel: string }[] = [{ dir: absDir, rel: '' }];
  while (dirs.length && units.length + dirs.length < MIN_UNITS) {
    const { dir, rel } = dirs.shift()!;
    const files: [string, string][] = [];
    for (const ent of nodeFs.readdirSync(dir, { withFileTypes: true })) {
      // A symlink at the top: the caller's walk follows it and names a broken one (or a FIFO, below).
      if (ent.isSymbolicLink()) return false;
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) dirs.push({ dir: `${dir}/${ent.name}`, rel: childRel });
      else if (ent.isFile()) files.push([`${dir}/${ent.name}`, childRel]);
      else return false;
    }
    for (let i = 0; i < files.length; i += FILES_PER_UNIT) units.push({ files: files.slice(i, i + FILES_PER_UNIT) });
  }
  units.push(...dirs);
  return run(units, progress, each);
}

/** The given files ([absolute path, name reported back]); false when the caller must hash them itself. */
export function hashFilesInWorkers(files: [string, string][], progress: Progress, each: EachHashed): boolean {
  const units: Unit[] = [];
  for (let i = 0; i < files.length; i += FILES_PER_UNIT) units.push({ files: files.slice(i, i + FILES_PER_UNIT) });
  return run(units, progress, each);
}

function report(lines: Iterable<string>, each: EachHashed): void {
  for (const line of lines) {
    const name = line.indexOf('\t');
    const ino = line.indexOf('\t', name + 1);
    const size = line.indexOf('\t', ino + 1);
    each(line.slice(0, name), line.slice(-64), Number(line.slice(ino + 1, size)), line.slice(name));
  }
}

function run(units: Unit[], progress: Progress, each: EachHashed): boolean {
  const queue = new SharedArrayBuffer(4);
  const done = new SharedArrayBuffer(4);
  const q = new Int32Array(queue);
  const d = new Int32Array(done);
  // One unit needs no helper; the caller's thread counts as one of the threads.
  const helpers = Math.max(0, Math.min(MAX_THREADS, cpus().length, units.length) - 1);
  const channels = Array.from({ length: helpers }, () => new MessageChannel());
  const workers = channels.map(
    (ch) => new Worker(WORKER_SOURCE, { eval: true, workerData: { units, queue, done, port: ch.port2 }, transferList: [ch.port2] }),
  );
  let failed = false;
  for (const w of workers) w.on('error', () => (failed = true));
  // Lines the workers sent, reported as they arrive; false once a worker gave up on a unit.
  const drain = () => {
    for (const ch of channels) {
      for (let msg = receiveMessageOnPort(ch.port1); msg; msg = receiveMessageOnPort(ch.port1)) {
        const m = msg.message as { text?: string; error?: string };
        if (m.error !== undefined) failed = true;
        else if (m.text) report(m.text.split('\n'), each);
      }
    }
    return !failed;
  };
  const io: UnitIo = { fs: nodeFs, crypto: nodeCrypto, buf: Buffer.allocUnsafe(1 << 20) };
  try {
    for (let i = Atomics.add(q, 0, 1); i < units.length; i = Atomics.add(q, 0, 1)) {
      const out: string[] = [];
      try {
        hashUnit(units[i]!, out, io);
      } catch {
        return false;
      }
      report(out, each);
      Atomics.add(d, 0, 1);
      if (!drain()) return false;
      progress(Atomics.load(d, 0), units.length);
    }
    // The workers' last units: wake up now and then to report progress; give up (the caller hashes) if
    // nothing moves for a minute.
    let lastMove = Date.now();
    for (let seen = Atomics.load(d, 0); seen < units.length; seen = Atomics.load(d, 0)) {
      Atomics.wait(d, 0, seen, 250);
      if (!drain()) return false;
      if (Atomics.load(d, 0) !== seen) lastMove = Date.now();
      else if (Date.now() - lastMove > 60_000) return false;
      progress(Atomics.load(d, 0), units.length);
    }
    return drain();
  } finally {
    for (const w of workers) void w.terminate();
    for (const ch of channels) ch.port1.close();
  }
}
