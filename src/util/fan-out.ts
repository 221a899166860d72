import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';

/**
 * The entries of a two-level `ab/cdef…` store (objects, run records), sorted; nothing when the store
 * does not exist yet. Dot files (temp files being written) are included: callers decide.
 */
export function* fanOutEntries(dir: string): Generator<{ fan: string; name: string; path: string }> {
  let fans: string[];
  try {
    fans = readdirSync(dir).sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const fan of fans) {
    for (const name of readdirSync(join(dir, fan)).sort()) yield { fan, name, path: join(dir, fan, name) };
  }
}
