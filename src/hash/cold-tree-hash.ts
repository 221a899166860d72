import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ManifestEntry } from './digest.js';

/**
 * First hash of a directory the stat cache knows nothing about (a new dataset): the workers walk *and*
 * hash, so the main thread neither stats nor tracks 100k files one by one. Measured on 100k files of
 * 1–8 KiB, main-thread bookkeeping (objects, strings, GC) was what kept the walk-then-pool design at
 * ~1.15× `find | xargs -P2 sha256sum`.
 *
 * Work units (subdirectories, chunks of files) are taken from a shared atomic counter, so a large
 * subtree does not leave the other worker idle. Results come back as text lines through message ports
 * read synchronously (receiveMessageOnPort) after an Atomics.wait, keeping the hasher synchronous.
 * Any trouble (a broken symlink, an unreadable file) returns undefined: the caller then takes the
 * ordinary path, which raises the precise error.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { units, queue, done, port, racyBefore } = workerData;
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
    const tick = Number.isInteger(st.mtimeMs / 1000) ? 2000 : 100;
    const racy = st.mtimeMs >= racyBefore - tick || st.ctimeMs >= racyBefore - tick ? 1 : 0;
    out.push(rel + '\\t' + st.ino + '\\t' + st.size + '\\t' + st.mtimeMs + '\\t' + st.ctimeMs + '\\t' + sha + '\\t' + racy);
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
    if (unit.dir !== undefined) walk(unit.abs, unit.dir, out, new Set());
    else for (const f of unit.files) hashFile(unit.abs + '/' + f, unit.prefix ? unit.prefix + '/' + f : f, out);
    port.postMessage({ i, text: out.join('\\n') });
  } catch (e) {
    port.postMessage({ i, error: String(e && e.message || e) });
  }
  Atomics.add(d, 0, 1);
  Atomics.notify(d, 0);
}
`;

type Unit = { abs: string; dir: string } | { abs: string; prefix: string; files: string[] };

const FILES_PER_UNIT = 512;
/** Split the top of the tree on the main thread until there are enough units to share out. */
const MIN_UNITS = 16;

export interface ColdTreeResult {
  manifest: ManifestEntry[];
  /** Stat-cache lines (`key \t ino \t size \t mtimeMs \t ctimeMs \t sha256`) for files safe to remember. */
  statLines: [string, string][];
}

export function hashColdTree(
  absDir: string,
  relDir: string,
  racyBefore: number,
  progress: (done: number, total: number) => void,
): ColdTreeResult | undefined {
  const units: Unit[] = [];
  const dirs: { abs: string; dir: string }[] = [{ abs: absDir, dir: '' }];
  while (dirs.length && units.length + dirs.length < MIN_UNITS) {
    const { abs, dir } = dirs.shift()!;
    const files: string[] = [];
    for (const ent of readdirSync(abs, { withFileTypes: true })) {
      const rel = dir ? `${dir}/${ent.name}` : ent.name;
      // Symlinks and odd entries are left to the worker's full walk of their folder, which follows them.
      if (ent.isSymbolicLink()) return undefined;
      if (ent.isDirectory()) dirs.push({ abs: `${abs}/${ent.name}`, dir: rel });
      else files.push(ent.name);
    }
    for (let i = 0; i < files.length; i += FILES_PER_UNIT) units.push({ abs, prefix: dir, files: files.slice(i, i + FILES_PER_UNIT) });
  }
  units.push(...dirs);
  if (units.length === 0) return { manifest: [], statLines: [] };

  const queue = new SharedArrayBuffer(4);
  const done = new SharedArrayBuffer(4);
  const n = Math.max(1, Math.min(4, cpus().length, units.length));
  const channels = Array.from({ length: n }, () => new MessageChannel());
  const workers = channels.map(
    (ch) => new Worker(WORKER_SOURCE, { eval: true, workerData: { units, queue, done, port: ch.port2, racyBefore }, transferList: [ch.port2] }),
  );
  let failed = false;
  for (const w of workers) w.on('error', () => (failed = true));
  const d = new Int32Array(done);
  const texts: string[] = [];
  try {
    // Wake up now and then to report progress; give up (and let the caller walk) if nothing moves for a minute.
    let lastMove = Date.now();
    for (let seen = Atomics.load(d, 0); seen < units.length; seen = Atomics.load(d, 0)) {
      Atomics.wait(d, 0, seen, 250);
      if (failed) return undefined;
      if (Atomics.load(d, 0) !== seen) lastMove = Date.now();
      else if (Date.now() - lastMove > 60_000) return undefined;
      progress(Atomics.load(d, 0), units.length);
    }
    for (const ch of channels) {
      for (let msg = receiveMessageOnPort(ch.port1); msg; msg = receiveMessageOnPort(ch.port1)) {
        const m = msg.message as { text?: string; error?: string };
        if (m.error !== undefined) return undefined;
        if (m.text) texts.push(m.text);
      }
    }
  } finally {
    for (const w of workers) void w.terminate();
    for (const ch of channels) ch.port1.close();
  }

  const manifest: ManifestEntry[] = [];
  const statLines: [string, string][] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const f = line.split('\t');
      manifest.push({ path: f[0]!, sha256: f[5]!, size: Number(f[2]) });
      if (f[6] === '0') {
        const key = `${relDir}/${f[0]}`;
        statLines.push([key, `${key}\t${f[1]}\t${f[2]}\t${f[3]}\t${f[4]}\t${f[5]}`]);
      }
    }
  }
  return { manifest, statLines };
}
