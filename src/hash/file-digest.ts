import { closeSync, openSync, read, readSync } from 'node:fs';
import * as crypto from 'node:crypto';
import { hashSync } from 'hasha';

/**
 * Files are hashed with node:crypto directly, not with hasha's hashFileSync (which reads the whole file
 * into memory): sync reads in 1 MiB chunks into one reused buffer hash ~2.5× faster here than piping a
 * default-sized read stream into the hash.
 *
 * Reading ahead in a worker (a ring of shared buffers) was tried and removed (issue 13): its start-up
 * and hand-offs cost more than the read it hid. Large files that a command can hash before it plans
 * use `sha256FileAhead` instead. Chunk sizes from 64 KiB to 4 MiB hashed alike.
 */
const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** One-shot hashing (Node ≥ 20.12) is ~20% cheaper per small file than createHash().update().digest(). */
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'hex') => string }).hash;

export function sha256File(path: string): { sha256: string; size: number } {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  const hash = crypto.createHash('sha256');
  let size = 0;
  try {
    const first = readSync(fd, buffer, 0, CHUNK, null);
    if (first < CHUNK && oneShot) return { sha256: oneShot('sha256', buffer.subarray(0, first), 'hex'), size: first };
    hash.update(buffer.subarray(0, first));
    size = first;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

const AHEAD_CHUNK = 4 << 20;

/**
 * The same digest with the next chunk read (on libuv's thread pool) while this one is hashed: two
 * buffers, no copy, no worker. With SHA extensions the read is a sixth to a third of the hash time, and
 * one thread doing both in turn is what kept a 1 GiB file below openssl's speed (issue 13).
 */
export async function sha256FileAhead(path: string): Promise<{ sha256: string; size: number }> {
  const fd = openSync(path, 'r');
  const buffers = [Buffer.allocUnsafe(AHEAD_CHUNK), Buffer.allocUnsafe(AHEAD_CHUNK)] as const;
  const readInto = (buf: Buffer) => new Promise<number>((resolve, reject) => read(fd, buf, 0, AHEAD_CHUNK, null, (err, n) => (err ? reject(err) : resolve(n))));
  const hash = crypto.createHash('sha256');
  let size = 0;
  try {
    let which = 0;
    let next = readInto(buffers[0]);
    for (let n = await next; n > 0; n = await next) {
      const full = buffers[which]!;
      which ^= 1;
      next = readInto(buffers[which]!);
      hash.update(n === AHEAD_CHUNK ? full : full.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

/** sha256 of an in-memory value (run-cache keys, env salts, directory manifests, stored bytes). */
export function sha256Bytes(data: string | Uint8Array): string {
  return hashSync(data, { algorithm: 'sha256' });
}
