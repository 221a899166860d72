import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDirOf, WORKSPACE_LOCK_FILE } from '../constants.js';
import { WorkspaceBusyError, errnoCode } from '../errors.js';
import { tempSibling } from '../util/atomic-write.js';
import { isAlive } from '../util/is-alive.js';

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates `path` holding `text`, or fails with EEXIST: the text is written to a temp file first and then
 * hard-linked into place, so no other process can ever see the lock file empty and take it as abandoned.
 */
function createWithContent(path: string, text: string): void {
  const tmp = tempSibling(path);
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * One command that changes the workspace at a time (repro, checkout, gc, cache verify). The pid file is created exclusively; a second process fails at once naming
 * the holder; a file left by a dead process is taken over. Returns the release function.
 */
export function acquireWorkspaceLock(dir: string): () => void {
  // One per repository, as its cache is: two pipelines of one repository never write the state at once.
  const path = join(tmpDirOf(dir), WORKSPACE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createWithContent(path, `${process.pid}\n`);
      return () => {
        if (readPid(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const holder = readPid(path);
    if (holder !== undefined && isAlive(holder) && holder !== process.pid) {
      throw new WorkspaceBusyError(`another lockstep (pid ${holder}) is changing this workspace`, {
        hint: `wait for it to finish, or stop it (kill ${holder})`,
      });
    }
    // Stale: move it aside first so two processes taking over cannot delete each other's fresh lock.
    const aside = tempSibling(path);
    try {
      renameSync(path, aside);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      continue;
    }
    const moved = readPid(aside);
    if (moved !== holder) renameSync(aside, path);
    else rmSync(aside, { force: true });
  }
  throw new WorkspaceBusyError('could not take the workspace lock', { hint: `remove ${path} if no lockstep is running` });
}

/** Runs `fn` holding the workspace lock: repro, checkout, gc and cache verify never overlap. */
export function withWorkspaceLock<T>(root: string, fn: () => T): T {
  const release = acquireWorkspaceLock(root);
  try {
    return fn();
  } finally {
    release();
  }
}
