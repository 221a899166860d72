import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stageLogPath } from '../constants.js';
import { LockstepError, systemErrorOf } from '../errors.js';
import { compareStage, type Reason, type StageState } from '../lock/compare.js';
import type { LockEntry, LockFile, LockedPath } from '../lock/types.js';
import type { Stage } from '../pipeline/types.js';
import { checkoutOut, unprotect } from '../cache/checkout.js';
import { insideRoot } from '../util/safe-path.js';
import { runKey } from '../cache/run-records.js';
import { onlyOutsMissing, withAssumedDeps } from './allow-missing.js';
import { writeWorkspaceLock } from './lock-files.js';
import { ownReasons } from './plan.js';
import { findRestorable, addRunResult, runCacheEligible, runInputs, shortKey } from './run-cache.js';
import { startStage, type StageRunResult } from './stage-runner.js';
import { currentState, linkModeFor, lockedPath } from './stage-state.js';
import { statePath, type Workspace } from './workspace.js';

/** Where a stage's full output goes: named by its pipeline file from the state root, so a log is the same file alone or with -R. */
function stageLogOf(ws: Workspace, stage: Stage): string {
  return stageLogPath(ws.stateRoot, statePath(ws, stage.origin.file), stage.origin.name);
}

/** Terminal statuses of a stage in one `repro`. */
export type StageStatus = 'ran' | 'restored' | 'skipped' | 'frozen' | 'failed' | 'blocked' | 'interrupted' | 'not-started';

export interface StageOutcome {
  name: string;
  status: StageStatus;
  reasons: Reason[];
  durationMs?: number;
  /** For restored stages: the short run-cache key. */
  restoredFrom?: string;
  /** For failed stages: what went wrong, with the exit code, the tail of the output and the full log (absolute path). */
  failure?: { message: string; exitCode?: number; signal?: string; tail: string[]; log?: string };
}

export interface RemoteHit {
  outs: LockedPath[];
  /** The run-cache key, when the outs come from a run record. */
  key?: string;
}

/** Looks a changed stage up on the remote (`repro --pull`); a hit's objects are in the local cache when it resolves. */
export type RemoteRestore = (stage: Stage, state: StageState, reasons: Reason[], entry: LockEntry | undefined) => Promise<RemoteHit | undefined>;

export interface SchedulerOptions {
  order: string[];
  lock: LockFile;
  jobs: number;
  forced: ReadonlySet<string>;
  keepGoing: boolean;
  /** Consult the run-cache before running a changed stage (off with --force and --no-run-cache). */
  useRunCache: boolean;
  /** `repro --pull`: look a changed stage up on the remote before running it. */
  remoteRestore?: RemoteRestore;
  /** `repro --allow-missing`: a stage whose only change is absent outputs is neither run nor downloaded. */
  allowMissing?: boolean;
  /** Set by the caller on Ctrl-C / SIGTERM. */
  interrupt: { requested: boolean; onRequest?: () => void };
}

/**
 * Runs the selected stages in dependency order, up to `jobs` at a time. Each stage is judged right before
 * it would start, when its upstream outputs are final: an upstream rerun that wrote identical bytes
 * leaves it skipped (early cutoff). The lock is written after every stage that succeeds.
 */
export async function runStages(ws: Workspace, opts: SchedulerOptions): Promise<StageOutcome[]> {
  const selected = new Set(opts.order);
  const outcomes = new Map<string, StageOutcome>();
  // A task is a running stage, or a remote lookup that may turn into one (`repro --pull`).
  type Settled = { kind: 'stage'; result: StageRunResult } | { kind: 'pulled'; hit: RemoteHit | undefined };
  const running = new Map<string, { done: Promise<Settled>; stop: () => void; state: StageState; reasons: Reason[] }>();
  const assumed = new Map<string, LockedPath>();
  const pending = [...opts.order];
  let stopScheduling = false;

  opts.interrupt.onRequest = () => {
    stopScheduling = true;
    for (const task of running.values()) task.stop();
  };

  const finish = (o: StageOutcome) => outcomes.set(o.name, o);

  const tryStart = (name: string): 'started' | 'settled' | 'waiting' => {
    const ups = [...ws.dag.upstream.get(name)!].filter((u) => selected.has(u));
    const bad = ups.filter((u) => ['failed', 'blocked', 'interrupted', 'not-started'].includes(outcomes.get(u)?.status ?? ''));
    if (bad.length) {
      finish({ name, status: 'blocked', reasons: [{ kind: 'upstream', stages: bad }] });
      return 'settled';
    }
    if (!ups.every((u) => outcomes.has(u))) return 'waiting';
    const stage = ws.dag.stages.get(name)!;
    const state = withAssumedDeps(currentState(ws, stage), assumed);
    const reasons = ownReasons(stage, compareStage(opts.lock.stages[name], state), opts.forced.has(name));
    if (stage.frozen) {
      const missing = state.outs.filter((o) => !o.digest).map((o) => o.path);
      finish(
        missing.length
          ? { name, status: 'failed', reasons, failure: { message: `stage ${name} is frozen but its outs are missing: ${missing.join(', ')}`, tail: [] } }
          : { name, status: 'frozen', reasons },
      );
      return 'settled';
    }
    if (reasons.length === 0) {
      ws.reporter.info(`Stage '${name}' didn't change, skipping`);
      finish({ name, status: 'skipped', reasons });
      return 'settled';
    }
    if (opts.allowMissing && onlyOutsMissing(reasons) && !opts.forced.has(name)) {
      for (const out of opts.lock.stages[name]?.outs ?? []) assumed.set(out.path, out);
      ws.reporter.info(`Stage '${name}' didn't change (its outputs are not here: --allow-missing), skipping`);
      finish({ name, status: 'skipped', reasons: [] });
      return 'settled';
    }
    const missingDeps = state.deps.filter((d) => !d.digest).map((d) => d.path);
    if (missingDeps.length) {
      finish({ name, status: 'failed', reasons, failure: { message: `stage ${name} cannot run: missing deps ${missingDeps.join(', ')}`, tail: [] } });
      return 'settled';
    }
    if (opts.useRunCache) {
      const hit = findRestorable(ws, stage, state);
      if (hit && restore(ws, stage, state, reasons, opts.lock, hit, finish)) return 'settled';
    }
    if (opts.remoteRestore) {
      const done = opts.remoteRestore(stage, state, reasons, opts.lock.stages[name]).then((hit): Settled => ({ kind: 'pulled', hit }));
      running.set(name, { done, stop: () => {}, state, reasons });
      return 'started';
    }
    startRun(stage, state, reasons);
    return 'started';
  };

  const startRun = (stage: Stage, state: StageState, reasons: Reason[]) => {
    prepareOuts(ws, stage);
    ws.reporter.info(`Running stage '${stage.name}':\n> ${stage.cmd.join('\n> ')}`);
    const logFile = stageLogOf(ws, stage);
    const handle = startStage(stage, { root: ws.root, logFile, reporter: ws.reporter });
    running.set(stage.name, { done: handle.done.then((result): Settled => ({ kind: 'stage', result })), stop: () => handle.stop(), state, reasons });
  };

  const schedule = () => {
    for (let i = 0; i < pending.length && !stopScheduling; ) {
      // No free slot: the rest waits until a running stage finishes.
      if (running.size >= opts.jobs) break;
      const name = pending[i]!;
      let result: ReturnType<typeof tryStart>;
      try {
        result = tryStart(name);
      } catch (thrown) {
        // A stage that cannot even be judged (unreadable dep, broken params) fails alone; running ones finish.
        const err = knownError(thrown);
        finish({ name, status: 'failed', reasons: [], failure: { message: err.message, tail: [] } });
        if (!opts.keepGoing) stopScheduling = true;
        result = 'settled';
      }
      if (result === 'waiting') i++;
      else pending.splice(i, 1);
    }
  };

  schedule();
  while (running.size > 0) {
    const [name, settled] = await Promise.race([...running].map(([n, r]) => r.done.then((res): [string, Settled] => [n, res])));
    const { state, reasons } = running.get(name)!;
    running.delete(name);
    const stage = ws.dag.stages.get(name)!;
    if (settled.kind === 'pulled') {
      const restored = settled.hit !== undefined && restore(ws, stage, state, reasons, opts.lock, settled.hit, finish, 'remote ');
      if (!restored && stopScheduling) finish({ name, status: 'not-started', reasons });
      else if (!restored) startRun(stage, state, reasons);
      schedule();
      continue;
    }
    const result = settled.result;
    if (result.ok) {
      // What the stage wrote replaces what was memoized; a large out (a model) is hashed reading ahead.
      for (const out of stage.outs) {
        ws.hasher.forget(out.path);
        ws.params.invalidate(out.path);
      }
      await ws.hasher.prefetch(stage.outs.map((o) => o.path));
      finish(completeStage(ws, stage, state, reasons, result.durationMs, opts.lock));
    } else if (result.interrupted) {
      finish({ name, status: 'interrupted', reasons, durationMs: result.durationMs });
    } else {
      const code = result.exitCode !== undefined ? `exit code ${result.exitCode}` : `signal ${result.signal}`;
      finish({
        name,
        status: 'failed',
        reasons,
        durationMs: result.durationMs,
        failure: {
          message: `stage ${name} failed with ${code}: ${result.cmd}`,
          ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
          ...(result.signal ? { signal: result.signal } : {}),
          tail: result.tail,
          log: stageLogOf(ws, stage),
        },
      });
    }
    if (outcomes.get(name)!.status === 'failed' && !opts.keepGoing) stopScheduling = true;
    if (opts.interrupt.requested) stopScheduling = true;
    schedule();
  }
  // With --keep-going every startable stage has run; without it, or after Ctrl-C, the rest never started.
  for (const name of pending) {
    if (!outcomes.has(name)) {
      const blocked = [...ws.dag.upstream.get(name)!].filter((u) => ['failed', 'blocked'].includes(outcomes.get(u)?.status ?? ''));
      finish(
        blocked.length
          ? { name, status: 'blocked', reasons: [{ kind: 'upstream', stages: blocked }] }
          : { name, status: 'not-started', reasons: [] },
      );
    }
  }
  return opts.order.map((n) => outcomes.get(n)!);
}

/** A LockstepError, or a filesystem failure put in words; anything else is a bug and propagates. */
function knownError(err: unknown): LockstepError {
  if (err instanceof LockstepError) return err;
  const known = systemErrorOf(err);
  if (!known) throw err;
  return known;
}

/**
 * Checks a stage's outputs out of the cache instead of running it (the run-cache, or `--pull`); a broken
 * cache is a miss (the stage then runs), never a failure.
 */
function restore(
  ws: Workspace,
  stage: Stage,
  state: StageState,
  reasons: Reason[],
  lock: LockFile,
  hit: { outs: LockedPath[]; key?: string },
  finish: (o: StageOutcome) => void,
  where = '',
): boolean {
  const from = hit.key ? `${where}run-cache ${shortKey(hit.key)}` : `${where}cache`;
  try {
    for (const locked of hit.outs) {
      ws.hasher.forget(locked.path);
      ws.params.invalidate(locked.path);
      checkoutOut(ws.objects, ws.root, locked, linkModeFor(stage, locked.path, ws.config.cache.link), fileProgress(ws, 'restoring', locked.path));
    }
  } catch (err) {
    if (!(err instanceof LockstepError)) throw err;
    ws.reporter.warn(`${from} entry of stage '${stage.name}' could not be restored (${err.message}); running it`);
    return false;
  }
  recordLock(ws, stage.name, { ...lockEntryFrom(state), outs: hit.outs }, lock);
  ws.reporter.info(hit.key ? `Stage '${stage.name}' restored from ${where}run-cache (${shortKey(hit.key)})` : `Stage '${stage.name}' restored from the ${where}cache`);
  finish({ name: stage.name, status: 'restored', reasons, ...(hit.key ? { restoredFrom: shortKey(hit.key) } : {}) });
  return true;
}

/** Progress of copying a directory's files into or out of the cache. */
export function fileProgress(ws: Workspace, verb: string, path: string): (done: number, total: number) => void {
  return (done, total) => ws.reporter.progress(`${verb} ${path}: ${done}/${total} files`);
}

function lockEntryFrom(state: StageState): Omit<LockEntry, 'outs'> {
  return { cmd: state.cmd, deps: state.deps.map((d) => d.digest!), params: state.params, env: state.env };
}

/** Writes the lock after one stage: atomically, so an interruption later keeps this progress. */
function recordLock(ws: Workspace, name: string, entry: LockEntry, lock: LockFile): void {
  lock.stages[name] = entry;
  // Entries of stages that no longer exist in the pipeline are dropped, as DVC does.
  for (const stale of Object.keys(lock.stages)) if (!ws.dag.stages.has(stale)) delete lock.stages[stale];
  writeWorkspaceLock(ws, lock, name);
}

/**
 * Non-persist outs are removed so a stage can never pass by leaving last run's output in place; persist
 * outs stay, with private copies of any file that is a link into the cache.
 */
function prepareOuts(ws: Workspace, stage: Stage): void {
  for (const out of stage.outs) {
    const abs = insideRoot(ws.root, out.path, `out of stage ${stage.name}`);
    if (!out.persist) rmSync(abs, { recursive: true, force: true });
    else unprotect(abs, ws.objects.dir);
    mkdirSync(dirname(abs), { recursive: true });
    ws.hasher.forget(out.path);
    ws.params.invalidate(out.path);
  }
}

function completeStage(
  ws: Workspace,
  stage: Stage,
  state: StageState,
  reasons: Reason[],
  durationMs: number,
  lock: LockFile,
): StageOutcome {
  const outs = [];
  const missing: string[] = [];
  for (const out of stage.outs) {
    const digest = ws.hasher.tryDigest(out.path);
    if (!digest) {
      missing.push(out.path);
      continue;
    }
    outs.push({ out, digest });
  }
  if (missing.length) {
    return {
      name: stage.name,
      status: 'failed',
      reasons,
      durationMs,
      failure: { message: `stage ${stage.name} exited 0 but did not produce ${missing.join(', ')}`, tail: [] },
    };
  }
  const recordRun = runCacheEligible(stage);
  try {
    // Uncached metrics are stored too when the run is recorded, so a restore can bring them back.
    for (const { out, digest } of outs) {
      if (out.cache || recordRun) ws.objects.putPath(join(ws.root, out.path), digest, fileProgress(ws, 'caching', out.path));
    }
  } catch (thrown) {
    // A full disk while caching fails this stage alone; the lock keeps its previous entry.
    const err = knownError(thrown);
    return { name: stage.name, status: 'failed', reasons, durationMs, failure: { message: err.message, tail: [] } };
  }
  const entry: LockEntry = { ...lockEntryFrom(state), outs: outs.map(({ out, digest }) => lockedPath(out.path, digest)) };
  recordLock(ws, stage.name, entry, lock);
  if (recordRun) addRunResult(ws, runKey(runInputs(ws, stage, state)), entry.outs);
  ws.reporter.info(`Stage '${stage.name}' done`);
  return { name: stage.name, status: 'ran', reasons, durationMs };
}
