import { ignoreCachedPaths } from './ignore-outs.js';
import { primeWorkspaceLockMemo, readWorkspaceLock } from './lock-files.js';
import { msText } from '../util/format.js';
import { LockstepError } from '../errors.js';
import { dataChanges, formatDataChange } from './data-state.js';
import { pull } from './fetch.js';
import { planWorkspace, type PlanRequest } from './plan-workspace.js';
import { remoteRestorer } from './remote-restore.js';
import { openRemote, type RemoteSession } from './remote-session.js';
import { runStages, type StageOutcome } from './scheduler.js';
import { acquireWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

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
    const { order, lock, forced, useRunCache, data } = await planWorkspace(ws, req);
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
