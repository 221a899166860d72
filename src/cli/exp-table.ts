import type { ShowTable } from '../exp/show.js';
import { formatValue, renderMarkdown, renderText, type Table } from '../metrics/format.js';
import { displayValue } from '../util/decimal-text.js';

/** RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. */
const csvCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** `exp show` as aligned text, markdown (best values in bold) or CSV (raw values, no marks). */
export function renderShow(table: ShowTable, format: 'text' | 'md' | 'csv', precision: number): string {
  const headers = ['Experiment', 'Created', ...table.params, ...table.metrics, 'Gate'];
  const mark = (column: string, row: string, text: string) => {
    if (format === 'csv' || !table.best[column]?.includes(row)) return text;
    return format === 'md' ? `**${text}**` : `${text}*`;
  };
  const value = (v: unknown) => (v === undefined ? '-' : format === 'csv' ? displayValue(v) : formatValue(v, precision));
  const rows = table.rows.map((r) => [
    r.name,
    r.createdAt ? r.createdAt.slice(0, 19).replace('T', ' ') : '-',
    ...table.params.map((c) => value(r.params[c])),
    ...table.metrics.map((c) => mark(c, r.name, value(r.metrics[c]))),
    r.verdict,
  ]);
  const t: Table = { headers, rows };
  if (format === 'csv') return [headers, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\n');
  return format === 'md' ? renderMarkdown(t) : `${renderText(t)}\n(* best value per metric)`;
}
