import { LockstepError } from '../errors.js';
import type { Reporter } from '../log.js';
import { resolveRemote } from '../remote/registry.js';
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

/** Whether push and pull have a remote to talk to: the default one, or the only one configured. */
export function usableRemote(ws: Workspace): boolean {
  try {
    return resolveRemote(ws.config, ws.root, undefined, true) !== undefined;
  } catch (err) {
    if (err instanceof LockstepError) return false;
    throw err;
  }
}

/**
 * The cache pull before `repro`: what the lock references and every run record, so unchanged stages are
 * checked out and changed ones restore what anyone already ran. Remote trouble is a warning, as in
 * `repro --pull`: the stages then run, and the gates still decide.
 */
export async function pullStep(ws: Workspace, reporter: Reporter): Promise<void> {
  try {
    const r = await pull(ws, undefined);
    const { fetch: f, checkout: c } = r;
    reporter.info(`pulled from '${f.remote}': ${f.downloaded} downloaded, ${f.present} already here, ${f.records} run records; ${c.restored.length} outs checked out`);
    if (f.error) reporter.warn(`pull from the remote cache was incomplete (${f.error.message}); missing results will be rebuilt`);
    if (f.corrupt.length) reporter.warn(`corrupt objects on the remote were rejected: ${f.corrupt.join(', ')}`);
  } catch (err) {
    if (!(err instanceof LockstepError)) throw err;
    reporter.warn(`pull from the remote cache failed (${err.message}); the stages run without it`);
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
