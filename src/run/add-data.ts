import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCKSTEP_DIR, stateDirOf, tmpDirOf } from '../constants.js';
import { UsageError } from '../errors.js';
import { trackedByGit } from '../git/gitignore.js';
import { primeLockMemo, readLock, serializeLock, writeLock } from '../lock/lock-file.js';
import type { LockedPath, LockFile } from '../lock/types.js';
import { withDataPaths } from '../pipeline/data-list.js';
import { parentsOf } from '../pipeline/dag.js';
import { producedBy } from '../pipeline/rules.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { isOutside, isSameOrInside, relPosix } from '../util/paths.js';
import { sortedBy } from '../util/sort.js';
import { listedData } from './data-state.js';
import { ignoreCachedPaths } from './ignore-outs.js';
import { fileProgress } from './scheduler.js';
import { lockedPath } from './stage-state.js';
import { withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

export interface AddedData {
  path: string;
  status: 'added' | 'updated' | 'unchanged';
  locked: LockedPath;
}

export interface AddResult {
  added: AddedData[];
  /** Files the user should commit, relative to the root: pipeline.yaml, the lock, .gitignore files. */
  changedFiles: string[];
  /** Paths git tracks already: the .gitignore entry does not untrack them. */
  trackedByGit: string[];
}

/**
 * `lockstep add`: raw data no stage produces is hashed, stored in the cache, recorded under `data:` in the
 * lock and in pipeline.yaml, and git-ignored. Everything is checked before anything is written; the cache
 * is filled before the lock names an object, and an unchanged path writes nothing at all.
 */
export function addData(ws: Workspace, absPaths: readonly string[]): AddResult {
  const paths = [...new Set(absPaths.map((p) => relPosix(ws.root, p)))];
  checkAddable(ws, paths);
  return withWorkspaceLock(ws.root, () => {
    const lock = readLock(ws.pipeline.lockFile, ws.lockMemo);
    const before = serializeLock(lock);
    const data = new Map(listedData(ws, lock).map((d) => [d.path, d]));
    const added: AddedData[] = [];
    for (const path of paths) {
      ws.hasher.forget(path);
      const digest = ws.hasher.tryDigest(path);
      if (!digest) throw new UsageError(`${path} does not exist`);
      ws.objects.putPath(join(ws.root, path), digest, fileProgress(ws, 'caching', path));
      const locked = lockedPath(path, digest);
      const old = data.get(path);
      added.push({ path, locked, status: !old ? 'added' : old.sha256 === locked.sha256 ? 'unchanged' : 'updated' });
      data.set(path, locked);
    }
    ws.statCache.save();

    const changedFiles: string[] = [];
    const next = sortedBy(data.values(), (d) => d.path);
    const updated: LockFile = next.length ? { ...lock, data: next } : { version: lock.version, stages: lock.stages };
    if (serializeLock(updated) !== before) {
      writeLock(ws.pipeline.lockFile, updated, tmpDirOf(ws.root));
      primeLockMemo(updated, ws.lockMemo);
      changedFiles.push(relPosix(ws.root, ws.pipeline.lockFile));
    }
    const listed = new Set(ws.pipeline.data.map((d) => d.path));
    const unlisted = paths.filter((p) => !listed.has(p));
    if (unlisted.length) {
      const label = relPosix(ws.root, ws.pipeline.file);
      writeFileAtomic(ws.pipeline.file, withDataPaths(readFileSync(ws.pipeline.file, 'utf8'), unlisted, label), { tmpDir: tmpDirOf(ws.root) });
      changedFiles.push(label);
    }
    changedFiles.push(...ignoreCachedPaths(ws, paths));
    return { added, changedFiles, trackedByGit: trackedByGit(ws.root, paths) };
  });
}

/** Every reason the paths cannot be added, reported at once before anything is written. */
function checkAddable(ws: Workspace, paths: readonly string[]): void {
  const problems: string[] = [];
  const own = [ws.pipeline.file, ws.pipeline.lockFile, stateDirOf(ws.root)].map((f) => relPosix(ws.root, f));
  const reserved = [LOCKSTEP_DIR, '.git'];
  const data = new Set([...ws.pipeline.data.map((d) => d.path), ...paths]);
  for (const path of paths) {
    if (isOutside(path)) problems.push(`${path} is outside the repository (${ws.root})`);
    else if (own.some((f) => isSameOrInside(f, path))) problems.push(`${path} holds lockstep's own files (${own.filter((f) => isSameOrInside(f, path)).join(', ')})`);
    else if (reserved.some((r) => isSameOrInside(path, r))) problems.push(`${path} is inside ${reserved.find((r) => isSameOrInside(path, r))}`);
    else if (!existsSync(join(ws.root, path))) problems.push(`${path} does not exist`);
    else {
      const produced = producedBy(ws.dag, path);
      if (produced) problems.push(`${produced}: a stage's outs are tracked by the stage, lockstep add is for data no stage produces`);
      const parent = parentsOf(path).find((p) => data.has(p));
      if (parent) problems.push(`${path} lies inside data ${parent}, which is tracked already`);
      const inside = [...data].filter((d) => d !== path && isSameOrInside(d, path));
      if (inside.length) problems.push(`${path} contains data tracked on its own: ${inside.join(', ')}`);
    }
  }
  if (problems.length) {
    const text = problems.length === 1 ? ` ${problems[0]}` : `\n${problems.map((p) => `  ${p}`).join('\n')}`;
    throw new UsageError(`cannot add:${text}`, { hint: 'nothing was added; lockstep add takes raw data files or directories inside the repository' });
  }
}
