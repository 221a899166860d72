import { canonicalJson } from '../util/canonical-json.js';
import { DecimalText } from '../util/decimal-text.js';
import { compareStrings } from '../util/sort.js';
import type { MetricValue } from './read.js';

/** Values keyed by file then name: metrics, or params (file → key → value). */
export type ValuesByFile = Record<string, Record<string, unknown>>;

export type DiffState = 'changed' | 'unchanged' | 'added' | 'removed';

export interface DiffRow {
  path: string;
  name: string;
  old: unknown;
  new: unknown;
  /** new - old, when both are numbers */
  change?: number;
  /** change relative to |old| in percent, when old is a non-zero number */
  changePct?: number;
  state: DiffState;
}

/** Exact: `.inf` is not `-.inf`, `-0` is not `0`, 12345678901234567890 is not 12345678901234567891. */
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * Row per value present on either side: `added` when only B has it, `removed` when only A has it.
 * Unchanged rows are dropped unless `all`. Pure.
 */
export function diffValues(a: ValuesByFile, b: ValuesByFile, all = false): DiffRow[] {
  const rows: DiffRow[] = [];
  const files = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings);
  for (const path of files) {
    const av = a[path] ?? {};
    const bv = b[path] ?? {};
    const names = [...new Set([...Object.keys(av), ...Object.keys(bv)])].sort(compareStrings);
    for (const name of names) {
      const inA = name in av;
      const inB = name in bv;
      const oldV = av[name];
      const newV = bv[name];
      const state: DiffState = !inA ? 'added' : !inB ? 'removed' : same(oldV, newV) ? 'unchanged' : 'changed';
      if (state === 'unchanged' && !all) continue;
      const row: DiffRow = { path, name, old: inA ? oldV : undefined, new: inB ? newV : undefined, state };
      const [from, to] = [numericValue(oldV), numericValue(newV)];
      if (from !== undefined && to !== undefined) {
        row.change = to - from;
        if (from !== 0) row.changePct = (row.change / Math.abs(from)) * 100;
      }
      rows.push(row);
    }
  }
  return rows;
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A finite number to compute with: a DecimalText as its nearest double (deltas and thresholds need no more). */
export function numericValue(v: unknown): number | undefined {
  const n = v instanceof DecimalText ? v.toNumber() : v;
  return isNumber(n) ? n : undefined;
}

export type { MetricValue };
