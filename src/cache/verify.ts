import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { CORRUPT_DIR } from '../constants.js';
import { sha256File } from '../hash/file-digest.js';
import type { Reporter } from '../log.js';
import type { ObjectStore } from './object-store.js';

export interface VerifyResult {
  checked: number;
  corrupt: { sha256: string; movedTo: string }[];
}

/**
 * Re-hashes every object. A corrupt one is moved aside into `cache/corrupt/` (kept for inspection, never
 * served again); the next run or pull simply produces it again.
 */
export function verifyObjects(objects: ObjectStore, cacheDir: string, reporter: Reporter): VerifyResult {
  const corrupt: VerifyResult['corrupt'] = [];
  let checked = 0;
  for (const obj of objects.list()) {
    checked++;
    if (checked % 200 === 0) reporter.progress(`verifying objects: ${checked}`);
    if (sha256File(obj.path).sha256 === obj.sha256) continue;
    const dir = join(cacheDir, CORRUPT_DIR);
    mkdirSync(dir, { recursive: true });
    const movedTo = join(dir, `${obj.sha256}.${Date.now()}`);
    renameSync(obj.path, movedTo);
    corrupt.push({ sha256: obj.sha256, movedTo });
  }
  return { checked, corrupt };
}
