import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Writes a download into `dest` (exclusive create) and hashes the bytes on the way, so verifying a 1 GiB
 * object costs no second read.
 */
export async function streamToFile(source: Readable, dest: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(source, tap, createWriteStream(dest, { flags: 'wx' }));
  return { sha256: hash.digest('hex'), size };
}
