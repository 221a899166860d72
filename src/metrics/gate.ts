import type { WrittenGate } from '../pipeline/schema.js';
import { compareStrings } from '../util/sort.js';
import { isNumber } from './diff.js';
import type { MetricsByFile } from './read.js';

/** Gates: thresholds on metrics, absolute or relative to a baseline. Pure: parsing and evaluation only. */
export type Direction = 'higher' | 'lower';
export type GateKind = 'min' | 'max' | 'max_drop' | 'max_rise' | 'max_drop_pct' | 'max_rise_pct';
export const GATE_KINDS: readonly GateKind[] = ['min', 'max', 'max_drop', 'max_rise', 'max_drop_pct', 'max_rise_pct'];

export interface Gate {
  metric: string;
  path?: string;
  kind: GateKind;
  bound: number;
  direction: Direction;
  level: 'error' | 'warn';
  /** Where it was declared: `pipeline.yaml`, `pipeline.yaml@REV`, or `--gate`. */
  source: string;
}

const HIGHER = ['recall', 'precision', 'accuracy', 'f1', 'auc', 'roc_auc', 'pr_auc', 'r2', 'map', 'ndcg'];
const LOWER = ['loss', 'error', 'rmse', 'mae', 'mse', 'latency', 'logloss', 'perplexity'];

/** Which way is better, by the metric's last name part: recall higher, loss/latency_ms lower. */
export function defaultDirection(metric: string): Direction {
  const leaf = metric.split('.').pop()!.toLowerCase();
  if (HIGHER.includes(leaf)) return 'higher';
  if (LOWER.some((w) => leaf === w || leaf.startsWith(`${w}_`) || leaf.endsWith(`_${w}`))) return 'lower';
  return 'higher';
}

/** One Gate per bound declared under `gates:` in pipeline.yaml. */
export function gatesFromPipeline(written: Record<string, WrittenGate>, source: string): Gate[] {
  const gates: Gate[] = [];
  for (const metric of Object.keys(written).sort(compareStrings)) {
    const g = written[metric]!;
    for (const kind of GATE_KINDS) {
      const bound = g[kind];
      if (bound === undefined) continue;
      gates.push({
        metric,
        ...(g.path === undefined ? {} : { path: g.path }),
        kind,
        bound,
        direction: g.direction ?? defaultDirection(metric),
        level: g.level ?? 'error',
        source,
      });
    }
  }
  return gates;
}

const EXPR = /^\s*([A-Za-z0-9_.\-/]+?)(?::(drop|rise))?\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%)?\s*$/i;

/**
 * `recall>=0.7`, `loss<=0.3`, `accuracy:drop<=0.02`, `f1:drop<=2%`, `latency_ms:rise<=10%`.
 * Returns the gate or an error message.
 */
export function parseGateExpression(text: string): Gate | { error: string } {
  const m = EXPR.exec(text);
  if (!m) return { error: `cannot read gate '${text}': write e.g. recall>=0.7, loss<=0.3, accuracy:drop<=0.02 or f1:drop<=2%` };
  const [, metric, change, op, num, pct] = m;
  const bound = Number(num);
  let kind: GateKind;
  if (!change) {
    if (pct) return { error: `gate '${text}': % only goes with :drop or :rise` };
    kind = op === '>=' ? 'min' : 'max';
  } else {
    if (op !== '<=') return { error: `gate '${text}': a ${change} is bounded with <=` };
    kind = `max_${change.toLowerCase()}${pct ? '_pct' : ''}` as GateKind;
  }
  return { metric: metric!, kind, bound, direction: defaultDirection(metric!), level: 'error', source: '--gate' };
}

export type GateStatus = 'pass' | 'fail' | 'warn' | 'n/a';

export interface GateResult {
  gate: Gate;
  status: GateStatus;
  value?: number;
  baseline?: number;
  delta?: number;
  /** Why it failed or was not evaluated. */
  note?: string;
}

export interface GateReport {
  verdict: 'pass' | 'fail';
  results: GateResult[];
}

type Lookup = { value: unknown; found: true } | { found: false; note: string };

function lookup(metrics: MetricsByFile, gate: Gate): Lookup {
  const files = gate.path ? [gate.path] : Object.keys(metrics).sort(compareStrings);
  const hits = files.filter((f) => metrics[f] && gate.metric in metrics[f]!);
  if (hits.length === 0) return { found: false, note: `${gate.metric} not found${gate.path ? ` in ${gate.path}` : ' in any metrics file'}` };
  if (hits.length > 1) return { found: false, note: `${gate.metric} is in ${hits.join(' and ')}: set path: on the gate` };
  return { found: true, value: metrics[hits[0]!]![gate.metric] };
}

export function describeBound(gate: Gate): string {
  switch (gate.kind) {
    case 'min':
      return `>= ${gate.bound}`;
    case 'max':
      return `<= ${gate.bound}`;
    case 'max_drop':
      return `drop <= ${gate.bound}`;
    case 'max_rise':
      return `rise <= ${gate.bound}`;
    case 'max_drop_pct':
      return `drop <= ${gate.bound}%`;
    case 'max_rise_pct':
      return `rise <= ${gate.bound}%`;
  }
}

/**
 * Fail closed: a gated metric that is missing, not a number or NaN fails. Relative gates without a
 * baseline (or without the metric in it) are `n/a` and never fail. A failing warn-level gate is `warn`.
 */
export function evaluateGates(gates: Gate[], current: MetricsByFile, baseline: MetricsByFile | undefined): GateReport {
  const results = gates.map((gate): GateResult => {
    const failed = (note: string, extra: Partial<GateResult> = {}): GateResult => ({
      gate,
      status: gate.level === 'warn' ? 'warn' : 'fail',
      note,
      ...extra,
    });
    const hit = lookup(current, gate);
    if (!hit.found) return failed(hit.note);
    if (!isNumber(hit.value)) return failed(`${gate.metric} is ${JSON.stringify(hit.value)}, not a number`);
    const value = hit.value;
    let base: number | undefined;
    if (baseline) {
      const b = lookup(baseline, gate);
      if (b.found && isNumber(b.value)) base = b.value;
    }
    const extra: Partial<GateResult> = { value, ...(base === undefined ? {} : { baseline: base, delta: value - base }) };
    const relative = gate.kind !== 'min' && gate.kind !== 'max';
    if (relative && base === undefined) {
      return { gate, status: 'n/a', note: baseline ? 'n/a (not in baseline)' : 'n/a (no baseline)', ...extra };
    }
    const ok = check(gate, value, base!);
    return ok ? { gate, status: 'pass', ...extra } : failed(`${gate.metric} ${value} breaks ${describeBound(gate)}`, extra);
  });
  return { verdict: results.some((r) => r.status === 'fail') ? 'fail' : 'pass', results };
}

function check(gate: Gate, value: number, base: number): boolean {
  const drop = base - value;
  const rise = value - base;
  const pct = (d: number) => (base === 0 ? (d > 0 ? Infinity : 0) : (d / Math.abs(base)) * 100);
  // A tiny epsilon so that 0.70 - 0.68 (= 0.020000000000000018) still passes "drop <= 0.02".
  const EPS = 1e-9;
  switch (gate.kind) {
    case 'min':
      return value >= gate.bound - EPS;
    case 'max':
      return value <= gate.bound + EPS;
    case 'max_drop':
      return drop <= gate.bound + EPS;
    case 'max_rise':
      return rise <= gate.bound + EPS;
    case 'max_drop_pct':
      return pct(drop) <= gate.bound + EPS;
    case 'max_rise_pct':
      return pct(rise) <= gate.bound + EPS;
  }
}

/** Compares two gate sets; a pull request must not be able to loosen its own gate unnoticed. */
export function gatesDiffer(a: Gate[], b: Gate[]): boolean {
  const key = (gs: Gate[]) => JSON.stringify(gs.map((g) => [g.metric, g.path ?? '', g.kind, g.bound, g.direction, g.level]).sort());
  return key(a) !== key(b);
}
