import type { LockFile } from '../lock/types.js';
import { compareStage, type Reason } from '../lock/compare.js';
import { primeLockMemo, readLock } from '../lock/lock-file.js';
import { selectStages, topoOrder, type Selection } from '../pipeline/dag.js';
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
}

/** Selects, checks and plans: what `status` prints and what `repro --dry` shows. Runs nothing. */
export function planWorkspace(ws: Workspace, req: PlanRequest): WorkspacePlan {
  const selected = selectStages(ws.dag, req.targets, req);
  const order = topoOrder(ws.dag, selected);
  preflight(ws, order);
  const lock = readLock(ws.pipeline.lockFile, ws.lockMemo);
  const compared = new Map<string, Reason[]>();
  for (const name of order) {
    compared.set(name, compareStage(lock.stages[name], currentState(ws, ws.dag.stages.get(name)!)));
  }
  const forced = new Set(req.force ? order : []);
  const plan = planStages(order, ws.dag, compared, { forced });
  // Only a stage whose inputs are final now (nothing upstream will run) can be looked up in the run-cache.
  if (!req.force && !req.noRunCache) {
    for (const p of plan) {
      if (p.action !== 'run' || p.reasons.some((r) => r.kind === 'upstream')) continue;
      const stage = ws.dag.stages.get(p.name)!;
      const hit = findRestorable(ws, stage, currentState(ws, stage));
      if (hit) p.restoreFrom = shortKey(hit.key);
    }
  }
  ws.statCache.save();
  return { order, lock, plan, forced };
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
  let lockForMemo: LockFile | undefined;
  try {
    const { order, lock, forced } = planWorkspace(ws, req);
    lockForMemo = lock;
    const outcomes = await runStages(ws, {
      order,
      lock,
      forced,
      jobs: req.jobs,
      keepGoing: req.keepGoing ?? false,
      useRunCache: !req.force && !req.noRunCache,
      interrupt: req.interrupt,
    });
    return { outcomes, durationMs: performance.now() - started };
  } finally {
    ws.statCache.save();
    if (lockForMemo && Object.keys(lockForMemo.stages).length) primeLockMemo(lockForMemo, ws.lockMemo);
    release();
  }
}
