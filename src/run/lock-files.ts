import { posix } from 'node:path';
import { dict } from '../util/dict.js';
import { relPosix } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import { parseMemoPath, tmpDirOf } from '../constants.js';
import { emptyLock, primeLockMemo, readLock, writeLock } from '../lock/lock-file.js';
import type { LockEntry, LockedPath, LockFile } from '../lock/types.js';
import { isExternalPath } from '../pipeline/external.js';
import { underPrefix } from '../pipeline/pipeline-set.js';
import type { PipelineMember, Stage } from '../pipeline/types.js';
import type { Workspace } from './workspace.js';

/**
 * The lock a command works with. For one pipeline file it is that file's lock. For several (`-R`) it is
 * every file's lock combined: entries renamed to the combined stage names and their paths rebased onto the
 * combined root; written back split by file, each with keys relative to its own folder again.
 */
export function readWorkspaceLock(ws: Workspace): LockFile {
  const members = ws.pipeline.members;
  if (!members) return readLock(ws.pipeline.lockFile, ws.lockMemo);
  const combined = emptyLock();
  const data: LockedPath[] = [];
  members.forEach((m) => {
    const own = readMemberLock(ws, m);
    for (const stage of stagesOf(ws, m)) {
      const entry = own.stages[stage.origin.name];
      if (entry) combined.stages[stage.name] = rebaseEntry(entry, (p) => underPrefix(m.prefix, p));
    }
    for (const d of own.data ?? []) data.push({ ...d, path: underPrefix(m.prefix, d.path) });
  });
  if (data.length) combined.data = data.sort((a, b) => compareStrings(a.path, b.path));
  return combined;
}

/** Writes the lock of the file that holds `stageName` (every stage of that file, from `lock`). */
export function writeWorkspaceLock(ws: Workspace, lock: LockFile, stageName: string): void {
  const started = performance.now();
  try {
    writeOwningLock(ws, lock, stageName);
  } finally {
    ws.timings.lockWriteMs += performance.now() - started;
  }
}

function writeOwningLock(ws: Workspace, lock: LockFile, stageName: string): void {
  const members = ws.pipeline.members;
  if (!members) {
    writeLock(ws.pipeline.lockFile, lock, tmpDirOf(ws.root));
    return;
  }
  const origin = ws.dag.stages.get(stageName)!.origin;
  const member = members.find((m) => m.label === origin.file)!;
  const own: LockFile = { version: lock.version, stages: dict() };
  for (const stage of stagesOf(ws, member)) {
    const entry = lock.stages[stage.name];
    if (entry) own.stages[stage.origin.name] = rebaseEntry(entry, (p) => outOf(member.prefix, p));
  }
  // Tracked data changes only through `lockstep add` on one file: what that file's lock holds is kept as is.
  const data = readMemberLock(ws, member).data;
  if (data?.length) own.data = data;
  writeLock(member.lockFile, own, tmpDirOf(ws.root));
}

function readMemberLock(ws: Workspace, m: PipelineMember): LockFile {
  return readLock(m.lockFile, parseMemoPath(ws.root, relPosix(ws.stateRoot, m.lockFile)));
}

/** Spares the next command the parse of what was just written (one pipeline file only: see readWorkspaceLock). */
export function primeWorkspaceLockMemo(ws: Workspace, lock: LockFile): void {
  if (!ws.pipeline.members) primeLockMemo(lock, ws.lockMemo);
}

/** The stages of each file, grouped once per workspace: the lock is written after every stage. */
const byFile = new WeakMap<Workspace, Map<string, Stage[]>>();

function stagesOf(ws: Workspace, m: PipelineMember): Stage[] {
  let groups = byFile.get(ws);
  if (!groups) {
    groups = new Map();
    for (const s of ws.dag.stages.values()) {
      const list = groups.get(s.origin.file);
      if (list) list.push(s);
      else groups.set(s.origin.file, [s]);
    }
    byFile.set(ws, groups);
  }
  return groups.get(m.label) ?? [];
}

/** The inverse of `underPrefix`: `pipelines/x` → `x`, `data/y` → `../data/y` for the prefix `pipelines`. */
function outOf(prefix: string, path: string): string {
  if (prefix === '.' || isExternalPath(path)) return path;
  // Both are relative to the combined root, which is the repository: anchoring them at `/` is exact.
  return posix.relative(`/${prefix}`, `/${path}`) || '.';
}

function rebaseEntry(entry: LockEntry, move: (path: string) => string): LockEntry {
  const paths = (list: LockedPath[]) => list.map((p) => ({ ...p, path: move(p.path) }));
  return {
    ...entry,
    deps: paths(entry.deps),
    outs: paths(entry.outs),
    params: Object.fromEntries(Object.entries(entry.params).map(([file, values]) => [move(file), values])),
  };
}
