import { closeSync, openSync, readSync } from 'node:fs';
import * as crypto from 'node:crypto';
import { hashSync } from 'hasha';

/**
 * Files are hashed with node:crypto directly, not with hasha's hashFileSync (which reads the whole file
 * into memory): sync reads in 1 MiB chunks into one reused buffer hash ~2.5× faster here than piping a
 * default-sized read stream into the hash.
 *
 * Large files too, on this one thread. Reading ahead in a worker (a ring of shared buffers) was tried
 * and removed (issue 13): with SHA extensions OpenSSL hashes ~2 GB/s, so the read it would hide is
 * small, while the worker's start-up and hand-offs cost more: on 1 GiB (AMD EPYC with SHA-NI) it used
 * ~8% more CPU and 20 MiB more memory, was no faster in its best runs, and slower whenever the other
 * core was busy, as the issue measured on an Intel Xeon.
 * Chunk sizes from 64 KiB to 4 MiB hashed alike.
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

/** sha256 of an in-memory value (run-cache keys, env salts, directory manifests, stored bytes). */
export function sha256Bytes(data: string | Uint8Array): string {
  return hashSync(data, { algorithm: 'sha256' });
}
