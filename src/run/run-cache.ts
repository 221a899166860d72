import { isComplete } from '../cache/checkout.js';
import { runKey, type RunInputs, type RunResult } from '../cache/run-records.js';
import { isDir, type StageState } from '../lock/compare.js';
import type { LockedPath } from '../lock/types.js';
import type { Stage } from '../pipeline/types.js';
import { namesDeclaredOuts } from './stage-state.js';
import { statePath, workspacePath, type Workspace } from './workspace.js';

/**
 * Whether a stage's results may be recorded and restored. Not when an output is deliberately left out of
 * the cache (a plain `cache: false` out), kept across runs (`persist`), when the stage must always run,
 * or when it has neither deps nor params (nothing would tell two runs apart; params are inputs, as in
 * DVC). Metrics with `cache: false` are fine: their bytes are stored for the run-cache anyway.
 */
export function runCacheEligible(stage: Stage): boolean {
  if (stage.alwaysChanged || (stage.deps.length === 0 && stage.params.length === 0)) return false;
  return stage.outs.every((o) => !o.persist && (o.cache || o.metric));
}

/**
 * The inputs a run is recorded under. Paths are named from the state root, like everything in the
 * repository's state: a stage's record is the same whether its file is loaded alone or with -R, and
 * stages of two pipeline folders never share one.
 */
export function runInputs(ws: Workspace, stage: Stage, state: StageState): RunInputs {
  return {
    cmd: state.cmd,
    // The kind is part of the key: a file holding a directory's manifest text has the directory's sha256.
    deps: Object.fromEntries(state.deps.map((d) => [statePath(ws, d.path), d.digest ? `${isDir(d.digest) ? 'dir' : 'file'}:${d.digest.sha256}` : ''])),
    params: Object.fromEntries(Object.entries(state.params).map(([file, values]) => [statePath(ws, file), values])),
    env: state.env,
    outs: stage.outs.map((o) => statePath(ws, o.path)),
  };
}

/** Records `outs` (paths relative to the workspace root) as a result of the run `key`. */
export function addRunResult(ws: Workspace, key: string, outs: LockedPath[]): void {
  ws.runs.add(key, outs.map((o) => ({ ...o, path: statePath(ws, o.path) })));
}

/** The recorded results of the run `key` (or `results` given), their paths relative to the workspace root. */
export function recordedResults(ws: Workspace, key: string, results = ws.runs.read(key)): RunResult[] {
  return results.map((r) => ({ ...r, outs: r.outs.map((o) => ({ ...o, path: workspacePath(ws, o.path) })) }));
}

export const shortKey = (key: string) => key.slice(0, 8);

/** The newest recorded result whose every object is in the local cache, if any. */
export function findRestorable(ws: Workspace, stage: Stage, state: StageState): { key: string; outs: LockedPath[] } | undefined {
  if (!runCacheEligible(stage) || state.deps.some((d) => !d.digest)) return undefined;
  const key = runKey(runInputs(ws, stage, state));
  const results = recordedResults(ws, key);
  let foreign = 0;
  for (const result of results) {
    // A result must name exactly the stage's outs: a record is never obeyed about where to write.
    if (!namesDeclaredOuts(stage, result.outs)) {
      foreign++;
      continue;
    }
    if (result.outs.every((o) => isComplete(ws.objects, o))) {
      ws.reporter.debug(`run-cache ${stage.name}: key ${shortKey(key)} found, outputs in the cache`);
      return { key, outs: result.outs };
    }
  }
  const why = results.length === 0 ? 'no run with these inputs was recorded' : `${results.length} recorded result(s), ${foreign ? `${foreign} naming other outs, ` : ''}none with every object in the local cache`;
  ws.reporter.debug(`run-cache ${stage.name}: key ${shortKey(key)} missed: ${why}`);
  return undefined;
}
