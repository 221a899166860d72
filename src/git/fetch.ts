import { execaSync } from 'execa';
import { LockstepError } from '../errors.js';
import type { Reporter } from '../log.js';

const git = (cwd: string, args: string[]) => execaSync('git', args, { cwd, reject: false, stripFinalNewline: true, encoding: 'utf8' });

/**
 * Makes sure `commit` is in the clone. CI checkouts are shallow (actions/checkout fetches one commit), so
 * the baseline of a pull request is usually missing: fetch just that commit, without tags or history.
 */
export function ensureCommit(root: string, commit: string, reporter: Reporter): void {
  if (git(root, ['cat-file', '-e', `${commit}^{commit}`]).exitCode === 0) return;
  reporter.info(`fetching the baseline: git fetch --no-tags --depth=1 origin ${commit}`);
  const fetched = git(root, ['fetch', '--no-tags', '--depth=1', 'origin', commit]);
  if (fetched.exitCode !== 0 || git(root, ['cat-file', '-e', `${commit}^{commit}`]).exitCode !== 0) {
    const why = fetched.stderr.split('\n').filter(Boolean).pop() ?? `exit code ${fetched.exitCode}`;
    throw new LockstepError('E_MISSING_REVISION', `the baseline commit ${commit} cannot be fetched from origin: ${why}`, {
      hint: 'check that the baseline input names a commit of this repository, or fetch full history (actions/checkout with fetch-depth: 0)',
    });
  }
}
