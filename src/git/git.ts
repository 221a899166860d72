import { execaSync } from 'execa';
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

export function repoInfo(root: string): RepoInfo {
  const r = git(root, ['rev-parse', '--show-prefix']);
  if (r.exitCode !== 0) {
    throw new UsageError(`${root} is not inside a git repository, so there are no revisions to compare`, {
      hint: 'run git init and commit, or compare without revisions (metrics show)',
    });
  }
  return { prefix: r.stdout.trim() };
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
  const r = git(root, ['show', `${commit}:${prefix}${relPath}`]);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** The text of `relPath` at every commit of every branch that touched it (for gc --all-commits). */
export function fileAtAllCommits(root: string, relPath: string): string[] {
  const { prefix } = repoInfo(root);
  const log = git(root, ['log', '--all', '--format=%H', '--', `${prefix}${relPath}`]);
  if (log.exitCode !== 0) return [];
  const texts: string[] = [];
  for (const commit of log.stdout.split('\n').filter(Boolean)) {
    const text = tryReadAtRevision(root, commit, relPath);
    if (text !== undefined) texts.push(text);
  }
  return texts;
}
