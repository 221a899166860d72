import type { LockedPath, LockFile } from './types.js';

/** One cached path the lock references, and who owns it (a stage name, or the path of tracked data). */
export interface LockedOut {
  owner: string;
  out: LockedPath;
}

/**
 * Everything the current lock references that lives in the cache: what push, pull, fetch and
 * `status --remote` work on. The one place that enumerates it, so tracked data joins here.
 */
export function lockedOuts(lock: LockFile, owners?: ReadonlySet<string>): LockedOut[] {
  const result: LockedOut[] = [];
  for (const [owner, entry] of Object.entries(lock.stages)) {
    if (owners && !owners.has(owner)) continue;
    for (const out of entry.outs) result.push({ owner, out });
  }
  // Tracked data (`lockstep add`) travels like any cached out; as a target it is named by its path.
  for (const out of lock.data ?? []) {
    if (!owners || owners.has(out.path)) result.push({ owner: out.path, out });
  }
  return result;
}
