import { checkoutOut, isComplete } from '../cache/checkout.js';
import type { LockedPath } from '../lock/types.js';
import type { LinkMode } from '../pipeline/config.js';
import { normalizeRel } from '../util/paths.js';
import { listedData } from './data-state.js';
import { selectStages, topoOrder } from '../pipeline/dag.js';
import { readWorkspaceLock } from './lock-files.js';
import { fileProgress } from './scheduler.js';
import { isUncachedOut, linkModeFor, lockedPath, namesDeclaredOuts } from './stage-state.js';
import { withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

export interface CheckoutResult {
  restored: string[];
  unchanged: string[];
  /** Outs whose objects are not in the local cache. */
  missing: string[];
  /** Outs that differ from the lock and whose current content is not in the cache: never overwritten without --force. */
  refused: string[];
  /** Stages whose lock entry names other outs than pipeline.yaml declares: the lock is not obeyed. */
  ignored: string[];
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
  const lock = readWorkspaceLock(ws);
  const result: CheckoutResult = { restored: [], unchanged: [], missing: [], refused: [], ignored: [] };
  const isData = (t: string) => !ws.dag.stages.has(t) && ws.pipeline.data.some((d) => d.path === normalizeRel(t));
  const dataTargets = new Set(targets.filter(isData).map(normalizeRel));
  const stageTargets = targets.filter((t) => !isData(t));
  for (const locked of listedData(ws, lock)) {
    if (targets.length === 0 || dataTargets.has(locked.path)) checkoutPath(ws, locked, ws.config.cache.link, force, result);
  }
  const stages = targets.length && stageTargets.length === 0 ? [] : topoOrder(ws.dag, selectStages(ws.dag, stageTargets, { singleItem: true }));
  for (const name of stages) {
    const entry = lock.stages[name];
    if (!entry) continue;
    const stage = ws.dag.stages.get(name)!;
    if (!namesDeclaredOuts(stage, entry.outs)) {
      result.ignored.push(name);
      continue;
    }
    for (const locked of entry.outs) {
      // A `cache: false` out travels through git; the cache may hold a copy (from the run-cache), not always.
      if (isUncachedOut(stage, locked.path) && !isComplete(ws.objects, locked)) continue;
      checkoutPath(ws, locked, linkModeFor(stage, locked.path, ws.config.cache.link), force, result);
    }
  }
  ws.statCache.save();
  return result;
}

function checkoutPath(ws: Workspace, locked: LockedPath, mode: LinkMode, force: boolean, result: CheckoutResult): void {
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
  checkoutOut(ws.objects, ws.root, locked, mode, fileProgress(ws, 'checking out', locked.path));
  ws.hasher.forget(locked.path);
  result.restored.push(locked.path);
}
