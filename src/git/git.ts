import { execaSync } from 'execa';
import { posix } from 'node:path';
import { LockstepError, UsageError } from '../errors.js';

/**
 * Reading files at other revisions with plain `git`. A revision that is missing (typically a shallow CI
 * clone) is an error that says exactly which `git fetch` brings it in.
 */
function git(cwd: string, args: string[]) {
  return execaSync('git', args, { cwd, reject: false, stripFinalNewline: true, encoding: 'utf8' });
}

export interface RepoInfo {
  /** Path of the pipeline root inside the repository, '' at the top, else ending in '/'. */
  prefix: string;
}

const infos = new Map<string, RepoInfo>();

/** Asked of git once per root and command: every read at a revision needs it. */
export function repoInfo(root: string): RepoInfo {
  const known = infos.get(root);
  if (known) return known;
  const r = git(root, ['rev-parse', '--show-prefix']);
  if (r.exitCode !== 0) {
    throw new UsageError(`${root} is not inside a git repository, so there are no revisions to compare`, {
      hint: 'run git init and commit, or compare without revisions (metrics show)',
    });
  }
  const info = { prefix: r.stdout.trim() };
  infos.set(root, info);
  return info;
}

/** The commit a revision names, or a clear error (with the fetch to run when the clone is shallow). */
export function resolveRevision(root: string, rev: string): string {
  const r = git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (r.exitCode === 0) return r.stdout.trim();
  const shallow = git(root, ['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
  const branch = rev.replace(/^origin\//, '');
  throw new LockstepError('E_MISSING_REVISION', `revision '${rev}' is not in this clone${shallow ? ' (it is a shallow clone)' : ''}`, {
    hint: /^[0-9a-f]{7,40}$/.test(rev)
      ? `fetch it: git fetch --no-tags --depth=1 origin ${rev}`
      : `fetch it: git fetch --no-tags --depth=1 origin ${branch}:refs/remotes/origin/${branch}, then compare with origin/${branch}`,
    exitCode: 2,
  });
}

/** A file's text at a commit, or undefined when the file does not exist there. */
export function tryReadAtRevision(root: string, commit: string, relPath: string): string | undefined {
  const { prefix } = repoInfo(root);
  const r = git(root, ['show', `${commit}:${posix.normalize(`${prefix}${relPath}`)}`]);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Every commit of every branch that touched `relPath` (for gc --all-commits), newest first. */
export function commitsTouching(root: string, relPath: string): string[] {
  const { prefix } = repoInfo(root);
  const log = git(root, ['log', '--all', '--format=%H', '--', posix.normalize(`${prefix}${relPath}`)]);
  return log.exitCode === 0 ? log.stdout.split('\n').filter(Boolean) : [];
}
