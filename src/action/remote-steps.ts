import type { Reporter } from '../log.js';
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

/** The cache pull before `repro`. This build has no remote support yet: say so rather than pretend. */
export async function pullStep(ws: Workspace, reporter: Reporter): Promise<void> {
  reporter.warn(`pull requested but this build of lockstep has no remote support; ${ws.root} runs without the shared cache`);
}

/** The cache push after `repro`. This build has no remote support yet: say so rather than pretend. */
export async function pushStep(ws: Workspace, reporter: Reporter): Promise<void> {
  reporter.warn(`push requested but this build of lockstep has no remote support; nothing was uploaded from ${ws.root}`);
}
