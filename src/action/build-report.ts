import { diffValues, type ValuesByFile } from '../metrics/diff.js';
import { describeBound, type GateReport, type GateResult } from '../metrics/gate.js';
import type { MetricsByFile } from '../metrics/read.js';
import { jsonValue } from '../util/decimal-text.js';
import { compareStrings } from '../util/sort.js';
import type { MetricRow } from './report.js';

const SEVERITY: GateResult['status'][] = ['pass', 'n/a', 'warn', 'fail'];
const key = (path: string, name: string) => `${path}\0${name}`;

/** The metrics file a gate reads: its `path:`, else the one file that has the metric. */
export function gatedFile(r: GateResult, current: MetricsByFile, base: MetricsByFile | undefined): string | undefined {
  if (r.gate.path) return r.gate.path;
  const files = Object.keys(current).filter((f) => r.gate.metric in current[f]!);
  if (files.length === 1) return files[0];
  return Object.keys(base ?? {}).find((f) => r.gate.metric in base![f]!);
}

/**
 * The table rows: every gated metric, then every other metric that changed, base vs current, each with its
 * gates and the worst of their results.
 */
export function metricRows(current: MetricsByFile, base: MetricsByFile | undefined, gates: GateReport): MetricRow[] {
  const gated = new Map<string, { path: string; name: string; results: GateResult[] }>();
  for (const r of gates.results) {
    const path = gatedFile(r, current, base) ?? '';
    const k = key(path, r.gate.metric);
    const entry = gated.get(k) ?? { path, name: r.gate.metric, results: [] };
    entry.results.push(r);
    gated.set(k, entry);
  }
  const rows: MetricRow[] = [];
  const seen = new Set<string>();
  const withGates = (row: MetricRow, k: string): MetricRow => {
    const g = gated.get(k);
    if (!g) return row;
    const worst = g.results.reduce((w, r) => (SEVERITY.indexOf(r.status) > SEVERITY.indexOf(w) ? r.status : w), 'pass' as GateResult['status']);
    return { ...row, gates: g.results.map((r) => `${describeBound(r.gate)}${r.gate.level === 'warn' ? ' (warn)' : ''}`), status: worst };
  };
  for (const d of diffValues(base ?? {}, current, true)) {
    const k = key(d.path, d.name);
    if (d.state === 'unchanged' && !gated.has(k)) continue;
    seen.add(k);
    const row: MetricRow = { path: d.path, name: d.name, gates: [] };
    // The report is JSON: a number a double cannot hold exactly goes in as its text.
    if (d.state !== 'added') row.base = jsonValue(d.old) as MetricRow['base'];
    if (d.state !== 'removed') row.current = jsonValue(d.new) as MetricRow['current'];
    if (d.change !== undefined) row.change = d.change;
    if (d.changePct !== undefined) row.changePct = d.changePct;
    rows.push(withGates(row, k));
  }
  // A gated metric found nowhere still gets its row: it fails closed and the reader must see why.
  for (const [k, g] of gated) if (!seen.has(k)) rows.push(withGates({ path: g.path, name: g.name, gates: [] }, k));
  // Gated metrics first: they decide the verdict.
  const rank = (r: MetricRow) => (r.gates.length ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || compareStrings(a.path, b.path) || compareStrings(a.name, b.name));
}

/** Params that differ between the baseline and the workspace. */
export function paramRows(base: ValuesByFile, current: ValuesByFile) {
  return diffValues(base, current).map((d) => ({
    path: d.path,
    name: d.name,
    ...(d.state === 'added' ? {} : { old: jsonValue(d.old) }),
    ...(d.state === 'removed' ? {} : { new: jsonValue(d.new) }),
  }));
}
