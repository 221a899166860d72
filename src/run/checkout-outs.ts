import { checkoutOut, isComplete } from '../cache/checkout.js';
import { readLock } from '../lock/lock-file.js';
import type { LockedPath } from '../lock/types.js';
import { normalizeRel } from '../util/paths.js';
import { listedData } from './data-state.js';
import { selectStages, topoOrder } from '../pipeline/dag.js';
import { fileProgress } from './scheduler.js';
import { lockedPath } from './stage-state.js';
import { withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

export interface CheckoutResult {
  restored: string[];
  unchanged: string[];
  /** Outs whose objects are not in the local cache. */
  missing: string[];
  /** Outs that differ from the lock and whose current content is not in the cache: never overwritten without --force. */
  refused: string[];
}

/** Makes the workspace outs match the lock, from the cache: the step after `git checkout` of another branch. */
export function checkoutOuts(ws: Workspace, targets: string[], force: boolean): CheckoutResult {
  return withWorkspaceLock(ws.root, () => checkoutLocked(ws, targets, force));
}

/**
 * Targets are stage names or tracked data paths (`lockstep add`); none means every stage and all data.
 * Data comes first: it is what the stages were built from.
 */
function checkoutLocked(ws: Workspace, targets: string[], force: boolean): CheckoutResult {
  const lock = readLock(ws.pipeline.lockFile, ws.lockMemo);
  const result: CheckoutResult = { restored: [], unchanged: [], missing: [], refused: [] };
  const isData = (t: string) => !ws.dag.stages.has(t) && ws.pipeline.data.some((d) => d.path === normalizeRel(t));
  const dataTargets = new Set(targets.filter(isData).map(normalizeRel));
  const stageTargets = targets.filter((t) => !isData(t));
  for (const locked of listedData(ws, lock)) {
    if (targets.length === 0 || dataTargets.has(locked.path)) checkoutPath(ws, locked, force, result);
  }
  const stages = targets.length && stageTargets.length === 0 ? [] : topoOrder(ws.dag, selectStages(ws.dag, stageTargets, { singleItem: true }));
  for (const name of stages) {
    for (const locked of lock.stages[name]?.outs ?? []) checkoutPath(ws, locked, force, result);
  }
  ws.statCache.save();
  return result;
}

function checkoutPath(ws: Workspace, locked: LockedPath, force: boolean, result: CheckoutResult): void {
  const current = ws.hasher.tryDigest(locked.path);
  if (current?.sha256 === locked.sha256) {
    result.unchanged.push(locked.path);
    return;
  }
  if (!isComplete(ws.objects, locked)) {
    result.missing.push(locked.path);
    return;
  }
  if (current && !force && !isComplete(ws.objects, lockedPath(locked.path, current))) {
    result.refused.push(locked.path);
    return;
  }
  checkoutOut(ws.objects, ws.root, locked, ws.config.cache.link, fileProgress(ws, 'checking out', locked.path));
  ws.hasher.forget(locked.path);
  result.restored.push(locked.path);
}
