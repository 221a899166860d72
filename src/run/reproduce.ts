import type { LockFile, LockedPath } from '../lock/types.js';
import { compareStage, type Reason, type StageState } from '../lock/compare.js';
import { primeLockMemo, readLock } from '../lock/lock-file.js';
import { selectStages, topoOrder, type Selection } from '../pipeline/dag.js';
import { onlyOutsMissing, withAssumedDeps } from './allow-missing.js';
import { planStages, type PlannedStage } from './plan.js';
import { remoteRestorer } from './remote-restore.js';
import { openRemote, type RemoteSession } from './remote-session.js';
import { runStages, type StageOutcome } from './scheduler.js';
import { findRestorable, shortKey } from './run-cache.js';
import { currentState, preflight } from './stage-state.js';
import { acquireWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

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
  forced: Set<string>;
  useRunCache: boolean;
}

/** Selects, checks and plans: what `status` prints and what `repro --dry` shows. Runs nothing. */
export function planWorkspace(ws: Workspace, req: PlanRequest): WorkspacePlan {
  const selected = selectStages(ws.dag, req.targets, req);
  const order = topoOrder(ws.dag, selected);
  preflight(ws, order);
  const lock = readLock(ws.pipeline.lockFile, ws.lockMemo);
  const states = new Map<string, StageState>();
  const compared = new Map<string, Reason[]>();
  const assumed = new Map<string, LockedPath>();
  for (const name of order) {
    const state = withAssumedDeps(currentState(ws, ws.dag.stages.get(name)!), assumed);
    let reasons = compareStage(lock.stages[name], state);
    if (req.allowMissing && !req.force && onlyOutsMissing(reasons)) {
      for (const out of lock.stages[name]?.outs ?? []) assumed.set(out.path, out);
      reasons = [];
    }
    states.set(name, state);
    compared.set(name, reasons);
  }
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
  /** --pull: look changed stages up on this remote (undefined: the default one) before running them. */
  pull?: { remote: string | undefined };
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
  let session: RemoteSession | undefined;
  try {
    const { order, lock, forced, useRunCache } = planWorkspace(ws, req);
    session = req.pull && !req.force ? await openRemote(ws, req.pull.remote) : undefined;
    const outcomes = await runStages(ws, {
      ...(session ? { remoteRestore: remoteRestorer(ws, session, useRunCache) } : {}),
      allowMissing: req.allowMissing ?? false,
      order,
      lock,
      forced,
      jobs: req.jobs,
      keepGoing: req.keepGoing ?? false,
      useRunCache,
      interrupt: req.interrupt,
    });
    // The lock changed only if a stage ran or was restored; then spare the next command its parse.
    if (outcomes.some((o) => o.status === 'ran' || o.status === 'restored')) primeLockMemo(lock, ws.lockMemo);
    return { outcomes, durationMs: performance.now() - started };
  } finally {
    session?.close();
    ws.statCache.save();
    release();
  }
}
