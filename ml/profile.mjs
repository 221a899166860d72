// Population profiles and the population stability index (PSI), shared by the `reference` stage that
// profiles the data the model was approved on and the `drift` stage that compares new data with it.
import { CATEGORICAL, NUMERIC } from './features.mjs';

/** Shares below this count as this, so an empty bin gives a large PSI rather than an infinite one. */
const FLOOR = 1e-4;

/** Decile cut points of a numeric column (distinct, so a 1–4 rating gets its 4 values as bins). */
function cutPoints(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts = Array.from({ length: 9 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / 10)]);
  return [...new Set(cuts)];
}

/** Share of values per bin: bin i holds the values above cut i-1 and up to cut i; the last, all above. */
function binShares(values, cuts) {
  const counts = new Array(cuts.length + 1).fill(0);
  for (const v of values) {
    const bin = cuts.findIndex((c) => v <= c);
    counts[bin === -1 ? cuts.length : bin]++;
  }
  return counts.map((c) => c / values.length);
}

const present = (rows, col) => rows.map((r) => r[col]).filter((v) => v !== null && v !== undefined);

/** Every numeric feature's bins and shares, and every categorical feature's share per category. */
export function profileOf(rows) {
  const numeric = {};
  for (const col of NUMERIC) {
    const values = present(rows, col);
    const cuts = cutPoints(values);
    numeric[col] = { cuts, shares: binShares(values, cuts).map(round) };
  }
  const categorical = {};
  for (const [col, categories] of Object.entries(CATEGORICAL)) {
    const values = present(rows, col);
    categorical[col] = Object.fromEntries(categories.map((c) => [c, round(values.filter((v) => v === c).length / values.length)]));
  }
  return { rows: rows.length, numeric, categorical };
}

/** Σ (actual − expected) · ln(actual / expected) over the bins: 0 is identical, above 0.2 is a real shift. */
export function psi(expected, actual) {
  return expected.reduce((sum, e, i) => {
    const [a, x] = [Math.max(actual[i], FLOOR), Math.max(e, FLOOR)];
    return sum + (a - x) * Math.log(a / x);
  }, 0);
}

/** PSI of each feature of `rows` against the reference profile, binned as the reference was. */
export function psiByFeature(reference, rows) {
  const out = {};
  for (const [col, { cuts, shares }] of Object.entries(reference.numeric)) out[col] = psi(shares, binShares(present(rows, col), cuts));
  for (const [col, shares] of Object.entries(reference.categorical)) {
    const values = present(rows, col);
    const categories = Object.keys(shares);
    out[col] = psi(categories.map((c) => shares[c]), categories.map((c) => values.filter((v) => v === c).length / values.length));
  }
  return out;
}

export const round = (v) => Math.round(v * 10000) / 10000;
