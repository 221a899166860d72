import { chmodSync, constants, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { LockstepError, errnoCode } from '../errors.js';
import type { ManifestEntry } from '../hash/digest.js';
import type { LockedPath } from '../lock/types.js';
import type { LinkMode } from '../pipeline/config.js';
import { tmpDirOf } from '../constants.js';
import { renameInto, tempSibling } from '../util/atomic-write.js';
import { insideRoot, isPlainRelative, UnsafePathError } from '../util/safe-path.js';
import type { ObjectStore } from './object-store.js';

/** The manifest of a directory object, or undefined when it is not in the cache (or unreadable). */
export function tryReadManifest(objects: ObjectStore, sha256: string): ManifestEntry[] | undefined {
  try {
    const data = JSON.parse(readFileSync(objects.pathOf(sha256), 'utf8')) as unknown;
    return Array.isArray(data) ? (data as ManifestEntry[]) : undefined;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function sizeMatches(objects: ObjectStore, sha256: string, size: number): boolean {
  try {
    return statSync(objects.pathOf(sha256)).size === size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** The object files a locked out needs (its manifest too, for a directory), or undefined if any is missing. */
export function objectsOf(objects: ObjectStore, locked: LockedPath): { sha256: string; size: number }[] | undefined {
  if (locked.nfiles === undefined) return [{ sha256: locked.sha256, size: locked.size }];
  const manifest = tryReadManifest(objects, locked.sha256);
  if (!manifest) return undefined;
  return manifest.map((e) => ({ sha256: e.sha256, size: e.size }));
}

/** True when every object the out needs is in the cache with the right size. */
export function isComplete(objects: ObjectStore, locked: LockedPath): boolean {
  const needed = objectsOf(objects, locked);
  return needed !== undefined && needed.every((o) => sizeMatches(objects, o.sha256, o.size));
}

/**
 * Puts one file from the cache in the workspace: built in `.lockstep/tmp` and renamed into place, so a
 * reader never sees half a file and a killed checkout leaves nothing beside the user's files. Copies are writable; hard links and symlinks share the read-only
 * object, so editing them in place is refused by the filesystem instead of corrupting the cache.
 */
function place(objects: ObjectStore, entry: { sha256: string; size: number }, dest: string, mode: LinkMode, tmpDir: string): void {
  const src = objects.pathOf(entry.sha256);
  if (!sizeMatches(objects, entry.sha256, entry.size)) {
    throw new LockstepError('E_CORRUPT_OBJECT', `cache object ${entry.sha256} is missing or has the wrong size`, {
      hint: 'run lockstep cache verify',
    });
  }
  mkdirSync(dirname(dest), { recursive: true });
  const build = (tmp: string) => {
    if (mode === 'hardlink') linkSync(src, tmp);
    else if (mode === 'symlink') symlinkSync(src, tmp);
    else {
      copyFileSync(src, tmp, mode === 'reflink' ? constants.COPYFILE_FICLONE : 0);
      chmodSync(tmp, 0o644);
    }
  };
  const tmp = tempSibling(dest, tmpDir);
  try {
    build(tmp);
    renameInto(tmp, dest, build);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Gives a stage private, writable copies of the files of a `persist` out that are links into the cache
 * (hard links or symlinks from `cache.link`), as DVC "unprotects" them: a stage that appends to its output
 * must never write through a link into a cache object that other checkouts and the remote share.
 */
export function unprotect(abs: string, objectsDir: string): void {
  unprotectWalk(abs, realpathOrSelf(objectsDir));
}

function unprotectWalk(abs: string, objectsDir: string): void {
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    for (const name of readdirSync(abs)) unprotectWalk(join(abs, name), objectsDir);
    return;
  }
  // Only links we made: a symlink into the object store, or a read-only file with other hard links (objects are 0444).
  const ours = st.isSymbolicLink() ? isInside(realpathOrSelf(abs), objectsDir) : st.nlink > 1 && (st.mode & 0o222) === 0;
  if (!ours) return;
  const tmp = tempSibling(abs);
  try {
    copyFileSync(abs, tmp);
    chmodSync(tmp, 0o644);
    renameSync(tmp, abs);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const isInside = (path: string, dir: string) => path.startsWith(`${dir}${sep}`);

/** Replaces the workspace path with the cached content of `locked`. */
export function checkoutOut(
  objects: ObjectStore,
  root: string,
  locked: LockedPath,
  mode: LinkMode,
  progress?: (done: number, total: number) => void,
): void {
  const abs = insideRoot(root, locked.path, 'out');
  mkdirSync(tmpDirOf(root), { recursive: true });
  if (locked.nfiles === undefined) {
    rmSync(abs, { recursive: true, force: true });
    place(objects, locked, abs, mode, tmpDirOf(root));
    return;
  }
  const manifest = tryReadManifest(objects, locked.sha256);
  if (!manifest) {
    throw new LockstepError('E_MISSING_OBJECT', `the manifest of ${locked.path} is not in the cache`, { hint: 'run the stage again' });
  }
  const bad = manifest.find((e) => !isPlainRelative(e.path));
  if (bad) throw new UnsafePathError(`refusing to check out ${locked.path}: its manifest names ${JSON.stringify(bad.path)}`);
  rmSync(abs, { recursive: true, force: true });
  mkdirSync(abs, { recursive: true });
  manifest.forEach((entry, i) => {
    place(objects, entry, join(abs, entry.path), mode, tmpDirOf(root));
    if ((i & 255) === 255) progress?.(i + 1, manifest.length);
  });
}
