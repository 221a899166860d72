import type { LockFile } from '../lock/types.js';
import { compareStage, type Reason } from '../lock/compare.js';
import { selectStages, topoOrder, type Selection } from '../pipeline/dag.js';
import { primeWorkspaceLockMemo, readWorkspaceLock } from './lock-files.js';
import { planStages, type PlannedStage } from './plan.js';
import { runStages, type StageOutcome } from './scheduler.js';
import { findRestorable, shortKey } from './run-cache.js';
import { currentState, preflight } from './stage-state.js';
import { acquireWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

export interface PlanRequest extends Selection {
  targets: string[];
  force?: boolean;
  noRunCache?: boolean;
}

export interface WorkspacePlan {
  order: string[];
  lock: LockFile;
  plan: PlannedStage[];
  forced: Set<string>;
  useRunCache: boolean;
}

/** Selects, checks and plans: what `status` prints and what `repro --dry` shows. Runs nothing. */
export function planWorkspace(ws: Workspace, req: PlanRequest): WorkspacePlan {
  const selected = selectStages(ws.dag, req.targets, req);
  const order = topoOrder(ws.dag, selected);
  preflight(ws, order);
  const lock = readWorkspaceLock(ws);
  const states = new Map(order.map((name) => [name, currentState(ws, ws.dag.stages.get(name)!)]));
  const compared = new Map<string, Reason[]>(order.map((name) => [name, compareStage(lock.stages[name], states.get(name)!)]));
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
  ws.statCache.save();
  return { order, lock, plan, forced, useRunCache };
}

export interface ReproRequest extends PlanRequest {
  jobs: number;
  keepGoing?: boolean;
  interrupt: { requested: boolean; onRequest?: () => void };
}

export interface ReproResult {
  outcomes: StageOutcome[];
  durationMs: number;
}

export async function reproduce(ws: Workspace, req: ReproRequest): Promise<ReproResult> {
  const started = performance.now();
  const release = acquireWorkspaceLock(ws.root);
  try {
    const { order, lock, forced, useRunCache } = planWorkspace(ws, req);
    const outcomes = await runStages(ws, {
      order,
      lock,
      forced,
      jobs: req.jobs,
      keepGoing: req.keepGoing ?? false,
      useRunCache,
      interrupt: req.interrupt,
    });
    // The lock changed only if a stage ran or was restored; then spare the next command its parse.
    if (outcomes.some((o) => o.status === 'ran' || o.status === 'restored')) primeWorkspaceLockMemo(ws, lock);
    return { outcomes, durationMs: performance.now() - started };
  } finally {
    ws.statCache.save();
    release();
  }
}
