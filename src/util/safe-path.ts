import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { LockstepError, errnoCode } from '../errors.js';
import { isOutside, isSameOrInside, normalizeRel, relPosix } from './paths.js';
import { repoRootOf } from './repo-root.js';

/**
 * Paths that arrive in a lock, a run record or a directory manifest are untrusted: they come from other
 * branches, machines and remotes. Before one is written, deleted or followed it must be a plain relative
 * path that stays inside the repository, and no existing parent folder may be a symlink that leads out.
 */
export class UnsafePathError extends LockstepError {
  constructor(message: string) {
    super('E_UNSAFE_PATH', message, {
      hint: 'the lock, run record or manifest that named it was edited or comes from an untrusted source; nothing was written',
    });
  }
}

/** True for `a/b.csv`: relative, normalised, no `..`, no empty or `.` segment, no NUL. */
export function isPlainRelative(path: unknown): path is string {
  return typeof path === 'string' && path !== '' && path !== '.' && !path.includes('\0') && normalizeRel(path) === path && !isOutside(path);
}

/** Where a symlink leads; a dangling one leads nowhere we could check, so it counts as outside. */
function realTarget(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    return '/';
  }
}

/**
 * The absolute path of `rel` (relative to `root`, the pipeline's folder) after checking that writing there
 * cannot leave the repository (see repo-root.ts: `../data/x` from a pipeline in a subfolder is fine) or
 * reach into `.git`.
 */
export function insideRoot(root: string, rel: string, what = 'path'): string {
  const plain = typeof rel === 'string' && rel !== '' && rel !== '.' && !rel.includes('\0') && normalizeRel(rel) === rel && !isAbsolute(rel);
  const repo = repoRootOf(root);
  const inRepo = plain ? relPosix(repo, join(root, rel)) : '';
  if (!isPlainRelative(inRepo)) throw new UnsafePathError(`refusing ${what} ${JSON.stringify(rel)}: not a plain path inside the repository`);
  if (inRepo.split('/').includes('.git')) throw new UnsafePathError(`refusing ${what} ${rel}: it lies inside .git`);
  const realRepo = realpathSync(repo);
  const parts = inRepo.split('/');
  let dir = repo;
  // The last segment is what gets replaced (a symlink there is removed, never followed); its parents must stay inside.
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(dir).isSymbolicLink();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') break;
      throw err;
    }
    if (isLink && !isSameOrInside(relPosix(realRepo, realTarget(dir)), '.')) {
      throw new UnsafePathError(`refusing ${what} ${rel}: its parent ${relPosix(root, dir)} is a symlink that leaves the repository`);
    }
  }
  return join(root, rel);
}
