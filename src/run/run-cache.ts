import { isComplete } from '../cache/checkout.js';
import { runKey, type RunInputs } from '../cache/run-records.js';
import { isDir, type StageState } from '../lock/compare.js';
import type { LockedPath } from '../lock/types.js';
import type { Stage } from '../pipeline/types.js';
import { namesDeclaredOuts } from './stage-state.js';
import type { Workspace } from './workspace.js';

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

export function runInputs(stage: Stage, state: StageState): RunInputs {
  return {
    cmd: state.cmd,
    // The kind is part of the key: a file holding a directory's manifest text has the directory's sha256.
    deps: Object.fromEntries(state.deps.map((d) => [d.path, d.digest ? `${isDir(d.digest) ? 'dir' : 'file'}:${d.digest.sha256}` : ''])),
    params: state.params,
    env: state.env,
    outs: stage.outs.map((o) => o.path),
  };
}

export const shortKey = (key: string) => key.slice(0, 8);

/** The newest recorded result whose every object is in the local cache, if any. */
export function findRestorable(ws: Workspace, stage: Stage, state: StageState): { key: string; outs: LockedPath[] } | undefined {
  if (!runCacheEligible(stage) || state.deps.some((d) => !d.digest)) return undefined;
  const key = runKey(runInputs(stage, state));
  const results = ws.runs.read(key);
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
