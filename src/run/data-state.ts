import { isDir } from '../lock/compare.js';
import type { LockedPath, LockFile } from '../lock/types.js';
import type { Workspace } from './workspace.js';

/** How a `data:` path of pipeline.yaml differs from what `lockstep add` last recorded. */
export interface DataChange {
  path: string;
  change: 'modified' | 'missing' | 'not-added';
}

/** The lock's entries for the data pipeline.yaml lists (entries for data no longer listed are ignored). */
export function listedData(ws: Workspace, lock: LockFile): LockedPath[] {
  const listed = new Set(ws.pipeline.data.map((d) => d.path));
  return (lock.data ?? []).filter((d) => listed.has(d.path));
}

/** Every listed data path whose workspace content is not what the lock recorded. */
export function dataChanges(ws: Workspace, lock: LockFile): DataChange[] {
  const locked = new Map(listedData(ws, lock).map((d) => [d.path, d]));
  const changes: DataChange[] = [];
  for (const { path } of ws.pipeline.data) {
    const current = ws.hasher.tryDigest(path);
    const entry = locked.get(path);
    if (!current) changes.push({ path, change: 'missing' });
    else if (!entry) changes.push({ path, change: 'not-added' });
    else if (entry.sha256 !== current.sha256 || isDir(entry) !== (current.kind === 'dir')) changes.push({ path, change: 'modified' });
  }
  return changes;
}

export function formatDataChange(c: DataChange): { message: string; hint: string } {
  switch (c.change) {
    case 'modified':
      return { message: `data changed: ${c.path}`, hint: `lockstep add ${c.path} records the new version` };
    case 'missing':
      return { message: `data missing: ${c.path}`, hint: `lockstep checkout ${c.path} restores it from the cache` };
    case 'not-added':
      return { message: `data not recorded: ${c.path}`, hint: `lockstep add ${c.path} records it in the lock` };
  }
}
