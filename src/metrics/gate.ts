import type { WrittenGate } from '../pipeline/schema.js';
import { compareStrings } from '../util/sort.js';
import { displayValue } from '../util/decimal-text.js';
import { numericValue } from './diff.js';
import type { MetricsByFile } from './read.js';

/** Gates: thresholds on metrics, absolute or relative to a baseline. Pure: parsing and evaluation only. */
export type Direction = 'higher' | 'lower';
export type GateKind = 'min' | 'max' | 'max_drop' | 'max_rise' | 'max_drop_pct' | 'max_rise_pct';
export const GATE_KINDS: readonly GateKind[] = ['min', 'max', 'max_drop', 'max_rise', 'max_drop_pct', 'max_rise_pct'];

export interface Gate {
  /** A flattened metric name, or a pattern where `*` stands for one name segment (`slices.*.recall`). */
  metric: string;
  /** On each match of a pattern gate: the pattern as declared; `metric` is then the matched name. */
  pattern?: string;
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

/** Which way is better, by the metric's last name part (recall higher, loss/latency_ms lower), if the name says. */
function directionByName(metric: string): Direction | undefined {
  const leaf = metric.split('.').pop()!.toLowerCase();
  if (HIGHER.includes(leaf)) return 'higher';
  if (LOWER.some((w) => leaf === w || leaf.startsWith(`${w}_`) || leaf.endsWith(`_${w}`))) return 'lower';
  return undefined;
}

export function defaultDirection(metric: string): Direction {
  return directionByName(metric) ?? 'higher';
}

/**
 * The direction of a metric whose gates say none: its name when the name is known (an `accuracy: {max: 0.99}`
 * leakage guard keeps accuracy higher-is-better), else a lone ceiling says lower (`failed: {max: 0}`) and a
 * lone floor higher, else higher.
 */
function gateDirection(metric: string, bounds: { min?: number; max?: number }): Direction {
  const bounded = bounds.max !== undefined && bounds.min === undefined ? 'lower' : 'higher';
  return directionByName(metric) ?? bounded;
}

/** One Gate per bound declared under `gates:` in pipeline.yaml. */
export function gatesFromPipeline(written: Record<string, WrittenGate>, source: string): Gate[] {
  const gates: Gate[] = [];
  for (const metric of Object.keys(written).sort(compareStrings)) {
    const g = written[metric]!;
    const direction = g.direction ?? gateDirection(metric, g);
    for (const kind of GATE_KINDS) {
      const bound = g[kind];
      if (bound === undefined) continue;
      gates.push({
        metric,
        ...(g.path === undefined ? {} : { path: g.path }),
        kind,
        bound,
        direction,
        level: g.level ?? 'error',
        source,
      });
    }
  }
  return gates;
}

const EXPR = /^\s*([A-Za-z0-9_.\-/*=+]+?)(?::(drop|rise))?\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%)?\s*$/i;

/**
 * `recall>=0.7`, `loss<=0.3`, `accuracy:drop<=0.02`, `f1:drop<=2%`, `latency_ms:rise<=10%`, `slices.*.recall>=0.6`.
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
  const direction = gateDirection(metric!, kind === 'max' ? { max: bound } : kind === 'min' ? { min: bound } : {});
  return { metric: metric!, kind, bound, direction, level: 'error', source: '--gate' };
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
  /** What to do about it, when there is something to do. */
  hint?: string;
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
 * Fail closed: a gated metric that is missing, not a number or NaN fails, and so does a pattern gate that
 * matches nothing. A relative gate is `n/a` only when no baseline was given; with a baseline that lacks the
 * metric, or whose file could not be read (`unreadable`: file → why, e.g. cached metrics not in the local
 * cache), it fails too. A failing warn-level gate is `warn`. A pattern gate gives one result per match.
 */
export function evaluateGates(
  gates: Gate[],
  current: MetricsByFile,
  baseline: MetricsByFile | undefined,
  unreadable: Readonly<Record<string, string>> = {},
): GateReport {
  const results = gates.flatMap((gate): GateResult[] => {
    if (!isPattern(gate.metric)) return [evaluateGate(gate, current, baseline, unreadable)];
    const matches = expandPattern(gate, current, baseline);
    if (matches.length === 0) {
      const where = gate.path ? `in ${gate.path}` : 'in any metrics file';
      return [failure(gate, `no metric matches ${gate.metric} ${where}`, { hint: 'check the pattern against lockstep metrics show: * stands for exactly one name segment' })];
    }
    return matches.map((match) => evaluateGate(match, current, baseline, unreadable));
  });
  return { verdict: results.some((r) => r.status === 'fail') ? 'fail' : 'pass', results };
}

const isPattern = (metric: string) => metric.includes('*');
const isRelative = (gate: Gate) => gate.kind !== 'min' && gate.kind !== 'max';

/**
 * One gate per metric name the pattern matches (`*` = one or more characters within one dot-separated
 * segment), sorted. A relative gate also takes the names only the baseline has: a slice the change lost
 * then fails as missing instead of dropping out of the check unseen.
 */
function expandPattern(gate: Gate, current: MetricsByFile, baseline: MetricsByFile | undefined): Gate[] {
  const segments = gate.metric.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`^${segments.join('[^.]+')}$`);
  const names = new Set<string>();
  for (const metrics of isRelative(gate) && baseline ? [current, baseline] : [current]) {
    for (const [file, values] of Object.entries(metrics)) {
      if (gate.path !== undefined && file !== gate.path) continue;
      for (const name of Object.keys(values)) if (re.test(name)) names.add(name);
    }
  }
  return [...names].sort(compareStrings).map((metric) => ({ ...gate, metric, pattern: gate.metric }));
}

function failure(gate: Gate, note: string, extra: Partial<GateResult> = {}): GateResult {
  return { gate, status: gate.level === 'warn' ? 'warn' : 'fail', note, ...extra };
}

function evaluateGate(gate: Gate, current: MetricsByFile, baseline: MetricsByFile | undefined, unreadable: Readonly<Record<string, string>>): GateResult {
  const hit = lookup(current, gate);
  if (!hit.found) return failure(gate, hit.note);
  const value = numericValue(hit.value);
  if (value === undefined) return failure(gate, `${gate.metric} is ${quoted(hit.value)}, not a number`);
  if (!isRelative(gate)) return check(gate, value, 0) ? { gate, status: 'pass', value } : failure(gate, breaks(gate, value), { value });
  if (!baseline) return { gate, status: 'n/a', note: 'n/a (no baseline)', value };
  const b = lookup(baseline, gate);
  if (!b.found) {
    const missing = missingBaseline(gate, unreadable);
    return failure(gate, missing.note, { value, hint: missing.hint });
  }
  const base = numericValue(b.value);
  if (base === undefined) return failure(gate, `the baseline ${gate.metric} is ${quoted(b.value)}, not a number`, { value });
  const extra: Partial<GateResult> = { value, baseline: base, delta: value - base };
  return check(gate, value, base) ? { gate, status: 'pass', ...extra } : failure(gate, breaks(gate, value), extra);
}

const quoted = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : displayValue(v));
const breaks = (gate: Gate, value: number) => `${gate.metric} ${value} breaks ${describeBound(gate)}`;

/** Why the baseline has no value for the gate, and what to do: the note and the hint of the result. */
function missingBaseline(gate: Gate, unreadable: Readonly<Record<string, string>>): { note: string; hint: string } {
  const file = Object.keys(unreadable)
    .sort(compareStrings)
    .find((f) => gate.path === undefined || gate.path === f);
  if (file !== undefined) {
    return {
      note: `baseline ${file} cannot be read: ${unreadable[file]}`,
      hint: "bring the baseline's cached outputs into the local cache (lockstep pull), or run lockstep repro at the baseline revision",
    };
  }
  // One hint per pattern, not one per match: they all say the same.
  const what = gate.pattern === undefined ? gate.metric : `the metrics ${gate.pattern} matches`;
  return { note: `${gate.metric} is not in the baseline`, hint: `add ${what} to the baseline's metrics, or set level: warn on the gate until it has it` };
}

/**
 * Slack for the rounding of decimal inputs: a few units in the last place of the largest magnitude
 * involved. Relative, so `0.70 - 0.68 <= 0.02` passes (it is 0.020000000000000018) while a bound of
 * 1e-10 still tells 9e-10 apart; an absolute epsilon swallowed every bound below itself.
 */
const ROUNDING = 8 * Number.EPSILON;

function atMost(x: number, limit: number, ...magnitudes: number[]): boolean {
  return x <= limit + ROUNDING * Math.max(Math.abs(x), Math.abs(limit), ...magnitudes.map(Math.abs));
}

function check(gate: Gate, value: number, base: number): boolean {
  const drop = base - value;
  const rise = value - base;
  // Percent bounds become absolute ones, so nothing is divided by a baseline that may be 0 or tiny.
  const pctLimit = (gate.bound / 100) * Math.abs(base);
  switch (gate.kind) {
    case 'min':
      return atMost(gate.bound, value);
    case 'max':
      return atMost(value, gate.bound);
    case 'max_drop':
      return atMost(drop, gate.bound, value, base);
    case 'max_rise':
      return atMost(rise, gate.bound, value, base);
    case 'max_drop_pct':
      return atMost(drop, pctLimit, value, base);
    case 'max_rise_pct':
      return atMost(rise, pctLimit, value, base);
  }
}

/** Compares two gate sets; a pull request must not be able to loosen its own gate unnoticed. */
export function gatesDiffer(a: Gate[], b: Gate[]): boolean {
  const key = (gs: Gate[]) => JSON.stringify(gs.map((g) => [g.metric, g.path ?? '', g.kind, g.bound, g.direction, g.level]).sort());
  return key(a) !== key(b);
}
