import { UsageError } from '../errors.js';
import { renderMarkdown, renderText, type Table } from '../metrics/format.js';

export const OUTPUT_OPTIONS = {
  json: { type: 'boolean' },
  md: { type: 'boolean' },
  precision: { type: 'string' },
} as const;

export function parsePrecision(raw: string | undefined): number {
  if (raw === undefined) return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 15) throw new UsageError(`--precision must be a whole number from 0 to 15, got '${raw}'`);
  return n;
}

/** A table as aligned text, or markdown with --md; callers handle --json themselves. */
export function renderTable(table: Table, md: boolean | undefined, empty: string): string {
  if (table.rows.length === 0) return empty;
  return md ? renderMarkdown(table) : renderText(table);
}
