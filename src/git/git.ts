import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { LockstepError, UsageError } from '../errors.js';

/**
 * Reading files at other revisions with plain `git`. A revision that is missing (typically a shallow CI
 * clone) is an error that says exactly which `git fetch` brings it in.
 */
let onCommand: ((line: string) => void) | undefined;

/**
 * Every git command lockstep runs is told to `listener` (the CLI prints them with -v). A process-wide hook
 * rather than a reporter argument: git is asked from deep inside metrics and lock reading.
 */
export function traceGitCommands(listener: ((line: string) => void) | undefined): void {
  onCommand = listener;
}

export interface GitResult {
  /** -1 when git could not be started at all. */
  exitCode: number;
  /** Without its final newline. */
  stdout: string;
  stderr: string;
}

/**
 * Runs git in `cwd`; never throws for a non-zero exit (callers read exitCode). node:child_process, not
 * execa: every workspace command (status too) imports this module, and loading execa's 243 kB bundled
 * chunk costs ~20–25 ms (0.07 s vs 0.045 s for `node -e 0`, 5 runs each, AMD EPYC) on a no-op status
 * that takes ~100 ms in all (issue 13).
 */
export function git(cwd: string, args: string[]): GitResult {
  onCommand?.(`git ${args.join(' ')}  (in ${cwd})`);
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const trim = (text: string | null) => (text ?? '').replace(/\r?\n$/, '');
  return { exitCode: r.status ?? -1, stdout: trim(r.stdout), stderr: trim(r.stderr) || (r.error?.message ?? '') };
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
    throw new UsageError(`not a git repository: ${root}, so there are no revisions to compare`, {
      hint: 'run git init and commit, or compare without revisions (metrics show)',
    });
  }
  const info = { prefix: r.stdout.trim() };
  infos.set(root, info);
  return info;
}

/**
 * The commit a revision names, or an error that says why not in the situation at hand: no commits yet,
 * a shallow clone that lacks it (with the exact fetch, when there is a remote to fetch from), or a name
 * this repository does not have.
 */
export function resolveRevision(root: string, rev: string): string {
  const r = git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (r.exitCode === 0) return r.stdout.trim();
  repoInfo(root);
  if (git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']).exitCode !== 0 && git(root, ['rev-list', '-n', '1', '--all']).stdout.trim() === '') {
    throw new UsageError(`revision '${rev}' does not exist: this repository has no commits yet`, {
      hint: 'commit once (git add -A && git commit), then compare; lockstep metrics show needs no revision',
    });
  }
  const shallow = git(root, ['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
  const remote = git(root, ['remote']).stdout.split('\n').filter(Boolean)[0];
  if (!shallow || !remote) {
    throw new UsageError(`revision '${rev}' does not exist in this repository`, {
      hint: 'name a branch, tag or commit that git knows (git branch -a, git log --oneline)',
    });
  }
  const branch = rev.replace(new RegExp(`^${remote}/`), '');
  throw new LockstepError('E_MISSING_REVISION', `revision '${rev}' is not in this clone (it is a shallow clone)`, {
    hint: /^[0-9a-f]{7,40}$/.test(rev)
      ? `fetch it: git fetch --no-tags --depth=1 ${remote} ${rev}`
      : `fetch it: git fetch --no-tags --depth=1 ${remote} ${branch}:refs/remotes/${remote}/${branch}, then compare with ${remote}/${branch}`,
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
