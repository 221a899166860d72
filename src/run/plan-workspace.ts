import type { LockFile, LockedPath } from '../lock/types.js';
import { compareStage, type Reason, type StageState } from '../lock/compare.js';
import { AHEAD_MIN_BYTES } from '../hash/hasher.js';
import { selectStages, topoOrder, type Selection } from '../pipeline/dag.js';
import { isExternalPath } from '../pipeline/external.js';
import { onlyOutsMissing, withAssumedDeps } from './allow-missing.js';
import { dataChanges, type DataChange } from './data-state.js';
import { readWorkspaceLock } from './lock-files.js';
import { count, msText } from '../util/format.js';
import { planStages, type PlannedStage } from './plan.js';
import { findRestorable, shortKey } from './run-cache.js';
import { currentState, preflight } from './stage-state.js';
import type { Workspace } from './workspace.js';

// Apart from reproduce.ts so that `status` loads neither the scheduler nor the remote code: loading
// modules was ~28 ms of a 1,000-stage no-op status.
export interface PlanRequest extends Selection {
  targets: string[];
  force?: boolean;
  noRunCache?: boolean;
  /** --allow-missing: a stage whose only change is absent outputs is neither run nor downloaded. */
  allowMissing?: boolean;
}

export interface WorkspacePlan {
  order: string[];
  lock: LockFile;
  plan: PlannedStage[];
  /** Tracked data (`lockstep add`) that differs from the lock: its dependants' own reasons say what reruns. */
  data: DataChange[];
  forced: Set<string>;
  useRunCache: boolean;
}

/** Selects, checks and plans: what `status` prints and what `repro --dry` shows. Runs nothing. */
export async function planWorkspace(ws: Workspace, req: PlanRequest): Promise<WorkspacePlan> {
  const selected = selectStages(ws.dag, req.targets, req);
  const order = topoOrder(ws.dag, selected);
  preflight(ws, order);
  const lock = readWorkspaceLock(ws);
  const hashStarted = performance.now();
  await ws.hasher.prefetch(maybeLargePaths(ws, order, lock));
  const states = new Map<string, StageState>();
  const compared = new Map<string, Reason[]>();
  const assumed = new Map<string, LockedPath>();
  for (const name of order) {
    const state = withAssumedDeps(currentState(ws, ws.dag.stages.get(name)!, true), assumed);
    let reasons = compareStage(lock.stages[name], state);
    if (req.allowMissing && !req.force && onlyOutsMissing(reasons)) {
      for (const out of lock.stages[name]?.outs ?? []) assumed.set(out.path, out);
      reasons = [];
    }
    states.set(name, state);
    compared.set(name, reasons);
  }
  reportHashing(ws, performance.now() - hashStarted);
  const planStarted = performance.now();
  const forced = new Set(req.force ? order : []);
  const plan = planStages(order, ws.dag, compared, { forced });
  const useRunCache = !req.force && !req.noRunCache;
  // Only a stage whose inputs are final now (nothing upstream will run) can be looked up in the run-cache.
  if (useRunCache) {
    for (const p of plan) {
      if (p.action !== 'run' || p.reasons.some((r) => r.kind === 'upstream')) continue;
      const hit = findRestorable(ws, ws.dag.stages.get(p.name)!, states.get(p.name)!);
      if (hit) p.restoreFrom = shortKey(hit.key);
    }
  }
  const data = dataChanges(ws, lock);
  ws.statCache.save();
  ws.reporter.debug(`planned ${order.length} stages in ${msText(performance.now() - planStarted)}: ${plan.filter((p) => p.action === 'run').length} to run`);
  return { order, lock, plan, data, forced, useRunCache };
}

/**
 * The deps and outs worth hashing ahead of planning: those the lock recorded as large, and every path of
 * a stage the lock does not know yet. Stat'ing every path ahead cost a 1,000-stage no-op ~18 ms.
 */
function* maybeLargePaths(ws: Workspace, order: string[], lock: LockFile): Iterable<string> {
  for (const name of order) {
    const stage = ws.dag.stages.get(name)!;
    const entry = lock.stages[name];
    const declared = (path: string) => stage.deps.some((d) => d.path === path) || stage.outs.some((o) => o.path === path);
    if (entry) {
      for (const p of entry.deps) if (p.size >= AHEAD_MIN_BYTES && !isExternalPath(p.path) && declared(p.path)) yield p.path;
      for (const p of entry.outs) if (p.size >= AHEAD_MIN_BYTES && declared(p.path)) yield p.path;
      continue;
    }
    for (const dep of stage.deps) if (!isExternalPath(dep.path)) yield dep.path;
    for (const out of stage.outs) yield out.path;
  }
}

/** -v: how much was read and how much the stat cache spared; -vv: every file read. */
function reportHashing(ws: Workspace, ms: number): void {
  const { hashed, fromStatCache } = ws.hasher.stats;
  ws.reporter.debug(`hashed ${count(hashed.length, 'file')}, ${fromStatCache} unchanged per the stat cache (${msText(ms)})`);
  for (const path of hashed) ws.reporter.trace(`hashed ${path}`);
}
