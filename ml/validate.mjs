// Stage `validate`: schema, ranges and null rates of the raw data. Fails the stage (exit 1) when a check
// breaks, so nothing downstream trains on bad data.
import { CATEGORICAL, NUMERIC } from './features.mjs';
import { params, readCsv, writeJson } from './lib.mjs';

const p = params().validate;
const rows = readCsv('data/raw/employees.csv');
const RANGES = {
  age: [18, 70], job_level: [1, 5], monthly_income: [500, 50000], years_at_company: [0, 50],
  years_in_current_role: [0, 50], years_since_last_promotion: [0, 50], job_satisfaction: [1, 4],
  environment_satisfaction: [1, 4], work_life_balance: [1, 4], distance_from_home: [0, 100],
  num_companies_worked: [0, 20],
};
const checks = [];
const check = (name, ok, detail) => checks.push({ name, ok, detail });

check('row count', rows.length >= p.min_rows, `${rows.length} rows (min ${p.min_rows})`);
for (const col of [...NUMERIC, ...Object.keys(CATEGORICAL), 'attrition']) {
  const values = rows.map((r) => r[col]);
  const nullRate = values.filter((v) => v === null || v === undefined).length / rows.length;
  check(`${col} null rate`, nullRate <= p.max_null_rate, `${(100 * nullRate).toFixed(2)}% (max ${100 * p.max_null_rate}%)`);
  const present = values.filter((v) => v !== null && v !== undefined);
  if (RANGES[col]) {
    const [lo, hi] = RANGES[col];
    const bad = present.filter((v) => typeof v !== 'number' || v < lo || v > hi).length;
    check(`${col} range`, bad === 0, `${bad} values outside [${lo}, ${hi}]`);
  } else if (CATEGORICAL[col]) {
    const bad = present.filter((v) => !CATEGORICAL[col].includes(v)).length;
    check(`${col} categories`, bad === 0, `${bad} unknown values`);
  } else {
    const bad = present.filter((v) => v !== 0 && v !== 1).length;
    check('attrition labels', bad === 0, `${bad} values not 0/1`);
  }
}
const failed = checks.filter((c) => !c.ok);
writeJson('reports/validation.json', { rows: rows.length, passed: failed.length === 0, checks });
if (failed.length) {
  for (const c of failed) console.error(`validate: FAILED ${c.name}: ${c.detail}`);
  process.exit(1);
}
console.log(`validate: ${checks.length} checks passed`);
