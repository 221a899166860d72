import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isComplete, objectsOf } from '../cache/checkout.js';
import { commitsTouching, tryReadAtRevision } from '../git/git.js';
import { parseLockText, readLock } from '../lock/lock-file.js';
import { lockedOuts } from '../lock/locked-outs.js';
import type { LockedPath, LockFile } from '../lock/types.js';
import { findPipelineFiles } from '../pipeline/discover.js';
import { lockFileFor } from '../pipeline/load.js';
import { relPosix } from '../util/paths.js';
import { withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

export interface GcResult {
  objectsRemoved: number;
  bytesFreed: number;
  objectsKept: number;
  recordsPruned: number;
}

/**
 * The lock of every pipeline file in the repository (several in one folder, others in subfolders), not just
 * the one this command loaded: they share the cache, so an object only another pipeline uses is in use.
 * A lock that cannot be read stops gc (it might reference anything).
 */
function workspaceLockFiles(ws: Workspace): string[] {
  const files = new Set([ws.pipeline.lockFile]);
  const pipelines = findPipelineFiles(ws.stateRoot, (n) => ws.reporter.progress(`looking for pipeline files: ${n} folders`));
  for (const pipeline of pipelines) {
    const lock = lockFileFor(pipeline);
    if (existsSync(lock)) files.add(lock);
  }
  return [...files];
}

/** Temp files younger than this may belong to a lockstep that is running now. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Removes objects referenced neither by a lock of the workspace nor (with `allCommits`) by those locks
 * at any commit; never an object a lock of the workspace references. Run records whose objects are gone
 * are pruned in the same pass, so a later restore never points at nothing.
 */
export interface GcOptions {
  allCommits: boolean;
  dry: boolean;
  /** More locks whose objects stay (experiments' records: `run` cannot read them, the caller can). */
  extraLocks?: LockFile[];
}

export function collectGarbage(ws: Workspace, opts: GcOptions): GcResult {
  return withWorkspaceLock(ws.root, () => collectLocked(ws, opts));
}

function collectLocked(ws: Workspace, opts: GcOptions): GcResult {
  const lockFiles = workspaceLockFiles(ws);
  // Other pipelines' locks are named by their path: several are called pipeline.lock.
  const locks: LockFile[] = lockFiles.map((file) =>
    file === ws.pipeline.lockFile ? readLock(file, ws.lockMemo) : parseLockText(readFileSync(file, 'utf8'), relPosix(ws.stateRoot, file)),
  );
  if (opts.allCommits) {
    for (const file of lockFiles) {
      const rel = relPosix(ws.stateRoot, file);
      const commits = commitsTouching(ws.stateRoot, rel);
      commits.forEach((commit, i) => {
        ws.reporter.progress(`reading ${rel} in history: ${i + 1}/${commits.length} commits`);
        const text = tryReadAtRevision(ws.stateRoot, commit, rel);
        if (text !== undefined) locks.push(parseLockText(text, `${rel} (history)`));
      });
    }
  }
  locks.push(...(opts.extraLocks ?? []));
  const keep = new Set<string>();
  for (const lock of locks) {
    // Tracked data (`lockstep add`) is kept like the outs of a stage.
    for (const { out } of lockedOuts(lock)) {
      keep.add(out.sha256);
      for (const o of objectsOf(ws.objects, out) ?? []) keep.add(o.sha256);
    }
  }

  const result: GcResult = { objectsRemoved: 0, bytesFreed: 0, objectsKept: 0, recordsPruned: 0 };
  const removed = new Set<string>();
  for (const obj of ws.objects.list()) {
    if (keep.has(obj.sha256)) {
      result.objectsKept++;
      continue;
    }
    result.objectsRemoved++;
    result.bytesFreed += obj.size;
    removed.add(obj.sha256);
    if (!opts.dry) rmSync(obj.path, { force: true });
  }
  if (!opts.dry) {
    const now = Date.now();
    for (const t of ws.objects.temps()) if (now - t.mtimeMs > STALE_TEMP_MS) rmSync(t.path, { force: true });
  }

  for (const key of ws.runs.keys()) {
    const results = ws.runs.read(key);
    // Judged against `removed` too, so a dry run (which deleted nothing) prunes exactly what a real one would.
    const survives = (o: LockedPath) =>
      !removed.has(o.sha256) && (objectsOf(ws.objects, o) ?? []).every((x) => !removed.has(x.sha256)) && isComplete(ws.objects, o);
    const alive = results.filter((r) => r.outs.every(survives));
    if (alive.length === results.length) continue;
    result.recordsPruned++;
    if (!opts.dry) ws.runs.write(key, alive);
  }
  return result;
}
