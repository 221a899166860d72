import { LockstepError } from '../errors.js';
import type { Reporter } from '../log.js';
import { pull } from '../run/fetch.js';
import { push } from '../run/push.js';
import type { Switch } from './inputs.js';
import type { RunEvent } from './event.js';
import type { Workspace } from '../run/workspace.js';

/**
 * `pull: auto` pulls whenever a remote is configured; `push: auto` pushes only on pushes to the default
 * branch, so pull requests read the shared cache but never write to it.
 */
export function decideRemoteSteps(pull: Switch, push: Switch, remoteConfigured: boolean, event: RunEvent): { pull: boolean; push: boolean } {
  return {
    pull: pull === 'true' || (pull === 'auto' && remoteConfigured),
    push: push === 'true' || (push === 'auto' && remoteConfigured && event.defaultBranchPush),
  };
}

/**
 * The cache pull before `repro`: what the lock references and every run record, so unchanged stages are
 * checked out and changed ones restore what anyone already ran. Remote trouble is a warning, as in
 * `repro --pull`: the stages then run, and the gates still decide. False when the remote cannot be used
 * at all (none configured, a directory remote whose folder is missing): `repro` then leaves it alone.
 */
export async function pullStep(ws: Workspace, reporter: Reporter): Promise<boolean> {
  try {
    const r = await pull(ws, undefined);
    const { fetch: f, checkout: c } = r;
    reporter.info(`pulled from '${f.remote}': ${f.downloaded} downloaded, ${f.present} already here, ${f.records} run records; ${c.restored.length} outs checked out`);
    if (f.error) reporter.warn(`pull from the remote cache was incomplete (${f.error.message}); missing results will be rebuilt`);
    if (f.corrupt.length) reporter.warn(`corrupt objects on the remote were rejected: ${f.corrupt.join(', ')}`);
    return true;
  } catch (err) {
    if (!(err instanceof LockstepError)) throw err;
    reporter.warn(`pull from the remote cache failed (${err.message}); the stages run without it`);
    return false;
  }
}

/**
 * The cache push after a successful `repro` on the default branch, so pull requests start warm. A failure
 * is a warning with its reason: the results are still correct, only not shared.
 */
export async function pushStep(ws: Workspace, reporter: Reporter): Promise<void> {
  try {
    const r = await push(ws, undefined);
    reporter.info(`pushed to '${r.remote}': ${r.uploaded} uploaded, ${r.present} already there, ${r.records} run records`);
    if (r.error) reporter.warn(`push to the remote cache failed (${r.error.message}); results were not shared`);
  } catch (err) {
    if (!(err instanceof LockstepError)) throw err;
    reporter.warn(`push to the remote cache failed (${err.message}); results were not shared`);
  }
}
