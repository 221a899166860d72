// Stage `evaluate`: metrics on the untouched test set, overall and per slice of employees, and a count of
// impossible predictions; lockstep's gates read artifacts/metrics.json.
import { classificationMetrics, labels, params, predictProba, readCsv, readJson, writeJson } from './lib.mjs';

const p = params().evaluate;
const model = readJson('artifacts/model.json');
const rows = readCsv('data/processed/test.csv');
// The encoded test rows lost the attributes people slice by; the raw export still has them.
const raw = new Map(readCsv('data/raw/employees.csv').map((e) => [e.employee_id, e]));
const proba = rows.map((row) => predictProba(model, model.features.map((f) => row[f])));
const y = labels(rows);

const BANDS = [[2, '0-2'], [5, '3-5'], [10, '6-10'], [20, '11-20'], [Infinity, '21+']];
const tenureBand = (years) => BANDS.find(([upTo]) => years <= upTo)[1];
const SLICES = {
  department: (e) => e.department,
  overtime: (e) => e.overtime,
  tenure_years: (e) => tenureBand(e.years_at_company),
};

/**
 * `attribute=value` → recall, precision and count on the test rows of that slice. A slice with fewer than
 * `min_slice_rows` rows gets its count only: a recall over a handful of leavers is noise, and a gate on it
 * would fail or pass by chance.
 */
function sliceMetrics() {
  const groups = new Map();
  rows.forEach((row, i) => {
    for (const [attribute, valueOf] of Object.entries(SLICES)) {
      const key = `${attribute}=${valueOf(raw.get(row.row_id))}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(i);
    }
  });
  const slices = {};
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key);
    if (members.length < p.min_slice_rows) {
      slices[key] = { count: members.length };
      continue;
    }
    const m = classificationMetrics(members.map((i) => y[i]), members.map((i) => proba[i]));
    slices[key] = { recall: m.recall, precision: m.precision, count: members.length };
  }
  return slices;
}

const metrics = {
  ...classificationMetrics(y, proba),
  // A probability outside [0, 1] or NaN means a broken model or transform, whatever recall says.
  invalid_predictions: proba.filter((v) => !(v >= 0 && v <= 1)).length,
  slices: sliceMetrics(),
};
writeJson('artifacts/metrics.json', metrics);
console.log(`evaluate: recall ${metrics.recall}, accuracy ${metrics.accuracy}, roc_auc ${metrics.roc_auc}, ${Object.keys(metrics.slices).length} slices`);
