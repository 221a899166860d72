import type { LockFile, LockedPath } from '../lock/types.js';
import { compareStage, type Reason, type StageState } from '../lock/compare.js';
import { selectStages, topoOrder, type Selection } from '../pipeline/dag.js';
import { onlyOutsMissing, withAssumedDeps } from './allow-missing.js';
import { dataChanges, formatDataChange, type DataChange } from './data-state.js';
import { ignoreCachedPaths } from './ignore-outs.js';
import { primeWorkspaceLockMemo, readWorkspaceLock } from './lock-files.js';
import { msText } from '../util/format.js';
import { LockstepError } from '../errors.js';
import { pull } from './fetch.js';
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
  /** Tracked data (`lockstep add`) that differs from the lock: its dependants' own reasons say what reruns. */
  data: DataChange[];
  forced: Set<string>;
  useRunCache: boolean;
}

/** Selects, checks and plans: what `status` prints and what `repro --dry` shows. Runs nothing. */
export function planWorkspace(ws: Workspace, req: PlanRequest): WorkspacePlan {
  const selected = selectStages(ws.dag, req.targets, req);
  const order = topoOrder(ws.dag, selected);
  preflight(ws, order);
  const lock = readWorkspaceLock(ws);
  const hashStarted = performance.now();
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

/** -v: how much was read and how much the stat cache spared; -vv: every file read. */
function reportHashing(ws: Workspace, ms: number): void {
  const { hashed, fromStatCache } = ws.hasher.stats;
  ws.reporter.debug(`hashed ${hashed.length} files, ${fromStatCache} unchanged per the stat cache (${msText(ms)})`);
  for (const path of hashed) ws.reporter.trace(`hashed ${path}`);
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

/**
 * `repro --pull`: tracked data (`lockstep add`) missing from the workspace is pulled first, so the stages
 * that read it are judged on it instead of refused for a missing dep. Trouble is a warning, as for stages.
 */
async function pullMissingData(ws: Workspace, remote: string | undefined): Promise<void> {
  const missing = dataChanges(ws, readWorkspaceLock(ws)).filter((d) => d.change === 'missing').map((d) => d.path);
  if (missing.length === 0) return;
  try {
    const r = await pull(ws, remote, { targets: missing });
    if (r.fetch.error) ws.reporter.warn(`tracked data ${missing.join(', ')} could not all be pulled (${r.fetch.error.message})`);
  } catch (err) {
    if (!(err instanceof LockstepError)) throw err;
    ws.reporter.warn(`tracked data ${missing.join(', ')} could not be pulled (${err.message})`);
  }
}

export async function reproduce(ws: Workspace, req: ReproRequest): Promise<ReproResult> {
  const started = performance.now();
  // Before the workspace lock: pull's checkout takes it itself.
  if (req.pull && !req.force) await pullMissingData(ws, req.pull.remote);
  const release = acquireWorkspaceLock(ws.root);
  let session: RemoteSession | undefined;
  try {
    const { order, lock, forced, useRunCache, data } = planWorkspace(ws, req);
    // Dependants run on the new content anyway; the lock's `data:` entry only moves with `lockstep add`.
    for (const d of data) {
      const { message, hint } = formatDataChange(d);
      ws.reporter.warn(`${message} (${hint})`);
    }
    session = req.pull && !req.force ? await openRemote(ws, req.pull.remote) : undefined;
    const runStarted = performance.now();
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
    ws.reporter.debug(`ran stages in ${msText(performance.now() - runStarted)}, of which writing the lock ${msText(ws.timings.lockWriteMs)}`);
    const produced = outcomes.filter((o) => o.status === 'ran' || o.status === 'restored').map((o) => ws.dag.stages.get(o.name)!);
    // Once per run rather than per stage: rewriting a shared folder's .gitignore after each of 1,000
    // stages made a first repro ~1.6x slower here (31 s vs 19 s). `cache: false` outs (metrics by
    // default) are left for git to track.
    ignoreCachedPaths(ws, produced.flatMap((s) => s.outs.filter((o) => o.cache).map((o) => o.path)));
    // The lock changed only if a stage ran or was restored; then spare the next command its parse.
    if (produced.length) primeWorkspaceLockMemo(ws, lock);
    return { outcomes, durationMs: performance.now() - started };
  } finally {
    session?.close();
    ws.statCache.save();
    release();
  }
}
