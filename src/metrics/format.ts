import { displayValue } from '../util/decimal-text.js';
import type { DiffRow } from './diff.js';
import { describeBound, type GateReport, type GateResult } from './gate.js';
import type { MetricsByFile } from './read.js';

/** Tables for humans (aligned text) and for PR comments (markdown). Pure. */
export type Table = { headers: string[]; rows: string[][] };

/**
 * Numbers rounded to `precision` decimals, except a non-zero value that would round to 0: it keeps two
 * significant digits (`9.0e-10`), so a failing `fpr <= 1e-10` never shows as 0.
 */
export function formatValue(v: unknown, precision = 5): string {
  if (v === undefined) return '-';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) return displayValue(v);
    const rounded = Number(v.toFixed(precision));
    return rounded === 0 && v !== 0 ? v.toExponential(1) : String(rounded);
  }
  return displayValue(v);
}

const signed = (v: number | undefined, precision: number, suffix = '') =>
  v === undefined ? '-' : `${v > 0 ? '+' : ''}${formatValue(v, precision)}${suffix}`;

export function renderText(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(t.headers), ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [`| ${t.headers.map(esc).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function metricsTable(metrics: MetricsByFile, precision: number): Table {
  const rows: string[][] = [];
  for (const [path, values] of Object.entries(metrics)) {
    for (const [name, v] of Object.entries(values)) rows.push([path, name, formatValue(v, precision)]);
  }
  return { headers: ['Path', 'Metric', 'Value'], rows };
}

export function diffTable(rows: DiffRow[], labels: [string, string], precision: number, what = 'Metric'): Table {
  return {
    headers: ['Path', what, labels[0], labels[1], 'Change', 'Change %'],
    rows: rows.map((r) => [
      r.path,
      r.name,
      r.state === 'added' ? '(new)' : formatValue(r.old, precision),
      r.state === 'removed' ? '(removed)' : formatValue(r.new, precision),
      signed(r.change, precision),
      signed(r.changePct, 2, '%'),
    ]),
  };
}

const STATUS: Record<GateResult['status'], string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', 'n/a': 'n/a' };

export function gateVerdict(report: GateReport): string {
  const n = report.results.length;
  if (n === 0) return 'PASS: no gates declared';
  const count = (status: GateResult['status']) => report.results.filter((r) => r.status === status).length;
  const extras = [
    count('warn') ? `${count('warn')} warning${count('warn') === 1 ? '' : 's'}` : '',
    count('n/a') ? `${count('n/a')} n/a` : '',
  ].filter(Boolean);
  const tail = extras.length ? `, ${extras.join(', ')}` : '';
  const gates = `gate${n === 1 ? '' : 's'}`;
  return report.verdict === 'fail'
    ? `FAIL: ${count('fail')} of ${n} ${gates} failed${tail}`
    : `PASS: ${count('pass')} of ${n} ${gates} passed${tail}`;
}

export function gateTable(report: GateReport, precision: number): Table {
  return {
    headers: ['Metric', 'Value', 'Baseline', 'Delta', 'Gate', 'Result'],
    rows: report.results.map((r) => [
      r.gate.path ? `${r.gate.metric} (${r.gate.path})` : r.gate.metric,
      formatValue(r.value, precision),
      formatValue(r.baseline, precision),
      signed(r.delta, precision),
      `${describeBound(r.gate)}${r.gate.level === 'warn' ? ' (warn)' : ''}`,
      r.status === 'n/a' ? (r.note ?? 'n/a') : r.note && r.status !== 'pass' ? `${STATUS[r.status]}: ${r.note}` : STATUS[r.status],
    ]),
  };
}
