import { formatReason, type Reason } from '../lock/compare.js';
import type { Dag } from '../pipeline/dag.js';
import type { PlannedStage } from '../run/plan.js';
import { jsonValue } from '../util/decimal-text.js';

/**
 * Reasons as data for `--json`: the structured reason plus the sentence we print. A param value a double
 * cannot hold exactly is given as its text.
 */
export function reasonsJson(reasons: Reason[]): (Reason & { message: string })[] {
  return reasons.map((r) => ({ ...(r.kind === 'param-changed' ? { ...r, from: jsonValue(r.from), to: jsonValue(r.to) } : r), message: formatReason(r) }));
}


/** A plan as `status --json` and `repro --dry --json` print it. */
export function planJson(plan: PlannedStage[]) {
  return plan.map((p) => ({
    name: p.name,
    action: p.action === 'run' && p.restoreFrom ? 'restore' : p.action,
    reasons: reasonsJson(p.reasons),
    ...(p.restoreFrom ? { restoreFrom: p.restoreFrom } : {}),
  }));
}

/** A plan listed in the pipeline file's order, as DVC lists stages (it still runs in dependency order). */
export function inFileOrder(plan: PlannedStage[], dag: Dag): PlannedStage[] {
  const index = new Map([...dag.stages.keys()].map((name, i) => [name, i]));
  return [...plan].sort((a, b) => index.get(a.name)! - index.get(b.name)!);
}
