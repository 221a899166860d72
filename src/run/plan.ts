import type { Reason } from '../lock/compare.js';
import type { Dag } from '../pipeline/dag.js';
import type { Stage } from '../pipeline/types.js';

/** What `repro` would do with a stage: a string enum, as every status we print or serialize. */
export type PlanAction = 'run' | 'skip' | 'frozen';

export interface PlannedStage {
  name: string;
  action: PlanAction;
  reasons: Reason[];
  /** Set when the stage would be restored from this run-cache key instead of run. */
  restoreFrom?: string;
}

export interface PlanOptions {
  /** Stages to run even when nothing changed (`--force`). */
  forced?: ReadonlySet<string>;
}

/**
 * The stage's own verdict, independent of upstream: used by the plan and again by the scheduler right
 * before a stage would start (when upstream outputs are final, which gives early cutoff).
 */
export function ownReasons(stage: Stage, compared: Reason[], forced: boolean): Reason[] {
  const reasons = [...compared];
  if (stage.alwaysChanged) reasons.unshift({ kind: 'always-changed' });
  if (forced && reasons.length === 0) reasons.push({ kind: 'forced' });
  return reasons;
}

/**
 * Pure: stages in dependency order with the reasons each would run, including "an upstream stage will
 * run", which is what lets `status` say what happens downstream before anything has run.
 */
export function planStages(
  order: readonly string[],
  dag: Dag,
  compared: ReadonlyMap<string, Reason[]>,
  options: PlanOptions = {},
): PlannedStage[] {
  const willRun = new Set<string>();
  const plan: PlannedStage[] = [];
  for (const name of order) {
    const stage = dag.stages.get(name)!;
    const reasons = ownReasons(stage, compared.get(name) ?? [], options.forced?.has(name) ?? false);
    const upstream = [...dag.upstream.get(name)!].filter((u) => willRun.has(u)).sort();
    if (upstream.length) reasons.push({ kind: 'upstream', stages: upstream });
    if (stage.frozen) {
      plan.push({ name, action: 'frozen', reasons });
      continue;
    }
    const action: PlanAction = reasons.length ? 'run' : 'skip';
    if (action === 'run') willRun.add(name);
    plan.push({ name, action, reasons });
  }
  return plan;
}
