import { LockstepError } from '../errors.js';
import type { Reporter } from '../log.js';
import { git } from './git.js';

const commitOf = (cwd: string, rev: string) => {
  const r = git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
};

/**
 * The commit `rev` (a sha or a branch of origin) names, fetched when the clone lacks it. CI checkouts are
 * shallow (actions/checkout fetches one commit), so a pull request's base is usually missing: fetch just
 * that commit, without tags or history.
 */
export function fetchRevision(root: string, rev: string, reporter: Reporter): string {
  const known = commitOf(root, rev);
  if (known) return known;
  reporter.info(`fetching the baseline: git fetch --no-tags --depth=1 origin ${rev}`);
  const fetched = git(root, ['fetch', '--no-tags', '--depth=1', 'origin', rev]);
  const commit = fetched.exitCode === 0 ? commitOf(root, /^[0-9a-f]{40}$/.test(rev) ? rev : 'FETCH_HEAD') : undefined;
  if (!commit) {
    const why = fetched.stderr.split('\n').filter(Boolean).pop() ?? `exit code ${fetched.exitCode}`;
    throw new LockstepError('E_MISSING_REVISION', `the baseline ${rev} cannot be fetched from origin: ${why}`, {
      hint: 'check that the baseline input names a commit or branch of this repository, or fetch full history (actions/checkout with fetch-depth: 0)',
    });
  }
  return commit;
}
