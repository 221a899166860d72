import { execaSync } from 'execa';
import { DEFAULT_PARAMS_FILE } from '../constants.js';
import { UsageError } from '../errors.js';
import { parseLockText } from '../lock/lock-file.js';
import { numericValue, type ValuesByFile } from '../metrics/diff.js';
import { defaultDirection, evaluateGates, gatesFromPipeline, type Direction } from '../metrics/gate.js';
import { readParamsAt } from '../metrics/params-at.js';
import { readRevisionMetrics, readWorkspaceMetrics, type MetricsByFile } from '../metrics/read.js';
import type { Pipeline } from '../pipeline/types.js';
import { canonicalJson } from '../util/canonical-json.js';
import { jsonValue } from '../util/decimal-text.js';
import { listRecords, type ExpRecord } from './records.js';

/** One row of `exp show`: the workspace, HEAD, or an experiment. */
export interface ShowRow {
  name: string;
  kind: 'workspace' | 'head' | 'exp';
  createdAt?: string;
  /** Column → value (params: `key`, or `file:key` outside params.yaml; metrics: `key`, or `file:key` when two files have it). */
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** pass, fail, or failed (a stage failed). */
  verdict: string;
  /** The metrics whose gates an experiment failed (each once), as its record names them. */
  failed?: string[];
}

export interface ShowTable {
  params: string[];
  metrics: string[];
  rows: ShowRow[];
  /** Metric column → the names of the rows holding its best value. */
  best: Record<string, string[]>;
}

const paramColumn = (file: string, key: string) => (file === DEFAULT_PARAMS_FILE ? key : `${file}:${key}`);

/** The params a variant ran with: every value its stages were locked with, and its overrides. */
export function recordParams(record: ExpRecord): ValuesByFile {
  const out: ValuesByFile = {};
  for (const entry of Object.values(parseLockText(record.lock, `experiment ${record.name}`).stages)) {
    for (const [file, values] of Object.entries(entry.params)) out[file] = { ...(out[file] ?? {}), ...values };
  }
  for (const o of record.overrides) out[o.file] = { ...(out[o.file] ?? {}), [o.key]: o.value };
  return out;
}

function metricColumns(all: MetricsByFile[]): { columns: string[]; flatten: (m: MetricsByFile) => Record<string, unknown> } {
  const filesOf = new Map<string, Set<string>>();
  for (const m of all) for (const [file, values] of Object.entries(m)) for (const key of Object.keys(values)) filesOf.set(key, (filesOf.get(key) ?? new Set()).add(file));
  const column = (file: string, key: string) => (filesOf.get(key)!.size > 1 ? `${file}:${key}` : key);
  const columns = [...new Set(all.flatMap((m) => Object.entries(m).flatMap(([file, values]) => Object.keys(values).map((k) => column(file, k)))))];
  const flatten = (m: MetricsByFile) => Object.fromEntries(Object.entries(m).flatMap(([file, values]) => Object.entries(values).map(([k, v]) => [column(file, k), v])));
  return { columns, flatten };
}

function gitHead(root: string): boolean {
  return execaSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, reject: false }).exitCode === 0;
}

export interface ShowOptions {
  /** A metric column: experiments best first (workspace and HEAD stay on top). */
  sort?: string;
  /** Only the columns whose value differs between rows. */
  onlyChanged?: boolean;
  /** Only these metric columns, in this order. */
  metrics?: string[];
}

/** Collects the rows: the workspace, HEAD (in git) and every recorded experiment, oldest first. */
export function buildShow(pipeline: Pipeline, opts: ShowOptions = {}): ShowTable {
  const records = listRecords(pipeline.root);
  const gates = gatesFromPipeline(pipeline.gates, 'pipeline.yaml');
  const hasHead = gitHead(pipeline.root);
  const wsMetrics = readWorkspaceMetrics(pipeline);
  const headMetrics = hasHead ? readRevisionMetrics(pipeline, 'HEAD') : undefined;
  const sources: { row: Omit<ShowRow, 'params' | 'metrics'>; params: ValuesByFile; metrics: MetricsByFile }[] = [
    { row: { name: 'workspace', kind: 'workspace', verdict: evaluateGates(gates, wsMetrics, headMetrics).verdict }, params: readParamsAt(pipeline, undefined), metrics: wsMetrics },
  ];
  if (headMetrics) sources.push({ row: { name: 'HEAD', kind: 'head', verdict: evaluateGates(gates, headMetrics, undefined).verdict }, params: readParamsAt(pipeline, 'HEAD'), metrics: headMetrics });
  for (const r of records) {
    const row = { name: r.name, kind: 'exp' as const, createdAt: r.createdAt, verdict: r.status === 'failed' ? 'failed' : r.gate.verdict, failed: r.gate.failed };
    sources.push({ row, params: recordParams(r), metrics: r.metrics });
  }
  // Columns for the params any experiment overrides: the rest did not vary.
  const overridden = [...new Map(records.flatMap((r) => r.overrides.map((o) => [paramColumn(o.file, o.key), o] as const))).values()];
  const { columns, flatten } = metricColumns(sources.map((s) => s.metrics));
  const rows: ShowRow[] = sources.map((s) => ({
    ...s.row,
    params: Object.fromEntries(overridden.map((o) => [paramColumn(o.file, o.key), jsonValue(s.params[o.file]?.[o.key])])),
    metrics: flatten(s.metrics),
  }));
  let params = overridden.map((o) => paramColumn(o.file, o.key));
  let metrics = columns;
  if (opts.metrics) {
    const unknown = opts.metrics.filter((m) => !columns.includes(m));
    if (unknown.length) throw new UsageError(`no metric named ${unknown.join(', ')}`, { hint: `metrics: ${columns.join(', ') || 'none yet'}` });
    metrics = opts.metrics;
  }
  if (opts.onlyChanged) {
    const varies = (get: (r: ShowRow) => unknown) => new Set(rows.map((r) => canonicalJson(jsonValue(get(r)) ?? null))).size > 1;
    params = params.filter((c) => varies((r) => r.params[c]));
    metrics = metrics.filter((c) => varies((r) => r.metrics[c]));
  }
  const directionOf = (column: string): Direction => gates.find((g) => g.metric === column || `${g.path}:${g.metric}` === column)?.direction ?? defaultDirection(column.split(':').pop()!);
  if (opts.sort !== undefined && !columns.includes(opts.sort)) {
    throw new UsageError(`--sort ${opts.sort}: no such metric`, { hint: `metrics: ${columns.join(', ') || 'none yet'}` });
  }
  if (opts.sort !== undefined) sortRows(rows, opts.sort, directionOf(opts.sort));
  const best: Record<string, string[]> = {};
  for (const column of metrics) {
    const values = rows.map((r) => numericValue(r.metrics[column]));
    const numbers = values.filter((v): v is number => v !== undefined);
    // Nothing to mark when no two rows differ.
    if (new Set(numbers).size < 2) continue;
    const top = directionOf(column) === 'lower' ? Math.min(...numbers) : Math.max(...numbers);
    best[column] = rows.filter((_, i) => values[i] === top).map((r) => r.name);
  }
  return { params, metrics, rows, best };
}

function sortRows(rows: ShowRow[], column: string, direction: Direction): void {
  const exps = rows.filter((r) => r.kind === 'exp');
  const value = (r: ShowRow) => numericValue(r.metrics[column]);
  exps.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? 0 : 1) : -1;
    return direction === 'lower' ? va - vb : vb - va;
  });
  rows.splice(rows.length - exps.length, exps.length, ...exps);
}
