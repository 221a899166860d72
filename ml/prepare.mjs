// Stage `prepare`: impute, derive 4 features, one-hot encode, stratified split, scale (fit on train only),
// oversample the minority class (train only). Rows keep a `row_id` so copies can be told apart later.
import { CATEGORICAL, DERIVED, NUMERIC, derive, transform } from './features.mjs';
import { params, readCsv, rng, writeCsv, writeJson } from './lib.mjs';

const all = params();
const p = all.prepare;
const r = rng(all.seed);
const rows = readCsv('data/raw/employees.csv');

const test = [];
const train = [];
for (const label of [0, 1]) {
  const group = r.shuffle(rows.filter((row) => row.attrition === label));
  const nTest = Math.round(group.length * p.test_size);
  test.push(...group.slice(0, nTest));
  train.push(...group.slice(nTest));
}

const median = (values) => {
  const s = values.filter((v) => v !== null).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const medians = Object.fromEntries(NUMERIC.map((c) => [c, median(train.map((row) => row[c]))]));
const filled = train.map((row) => {
  const e = { ...row };
  for (const c of NUMERIC) if (e[c] === null) e[c] = medians[c];
  return { ...e, ...derive(e) };
});
const mean = {};
const std = {};
for (const col of [...NUMERIC, ...DERIVED]) {
  const values = filled.map((row) => row[col]);
  mean[col] = values.reduce((s, v) => s + v, 0) / values.length;
  std[col] = Math.sqrt(values.reduce((s, v) => s + (v - mean[col]) ** 2, 0) / values.length) || 1;
}
const scaler = { medians, mean, std, categories: CATEGORICAL };

const encode = (row) => ({ row_id: row.employee_id, ...transform(row, scaler), attrition: row.attrition });
let trainRows = train.map(encode);
if (p.oversample) {
  const minority = trainRows.filter((row) => row.attrition === 1);
  const majority = trainRows.length - minority.length;
  const extra = Array.from({ length: majority - minority.length }, () => r.pick(minority));
  trainRows = r.shuffle([...trainRows, ...extra]);
}
writeCsv('data/processed/train.csv', trainRows);
writeCsv('data/processed/test.csv', test.map(encode));
writeJson('data/processed/scaler.json', scaler);
console.log(`prepare: ${train.length} train (${trainRows.length} after oversampling), ${test.length} test, ${Object.keys(trainRows[0]).length - 2} features`);
