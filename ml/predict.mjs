#!/usr/bin/env node
// Will this employee leave? Asks for the 15 attributes (Enter keeps the default), or takes them all at once
// with --json '{…}', and scores them with the trained model: `node ml/predict.mjs`.
import { createInterface } from 'node:readline';
import { CATEGORICAL, transform } from './features.mjs';
import { predictProba, readJson } from './lib.mjs';

const FIELDS = [
  ['age', 35, [18, 70]], ['department', 'Research & Development'], ['job_level', 2, [1, 5]],
  ['job_role', 'Research Scientist'], ['monthly_income', 6000, [500, 50000]], ['years_at_company', 5, [0, 50]],
  ['years_in_current_role', 3, [0, 50]], ['years_since_last_promotion', 1, [0, 50]], ['overtime', 'No'],
  ['job_satisfaction', 3, [1, 4]], ['environment_satisfaction', 3, [1, 4]], ['work_life_balance', 3, [1, 4]],
  ['distance_from_home', 8, [0, 100]], ['num_companies_worked', 2, [0, 20]], ['marital_status', 'Married'],
];

/** The parsed value, or an error message saying what is allowed. */
function parseField([name, , range], raw) {
  if (range) {
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || n < range[0] || n > range[1]) return { error: `${name} must be a number from ${range[0]} to ${range[1]}` };
    return { value: n };
  }
  const match = CATEGORICAL[name].find((v) => v.toLowerCase() === String(raw).toLowerCase());
  return match ? { value: match } : { error: `${name} must be one of: ${CATEGORICAL[name].join(', ')}` };
}

async function ask() {
  // Reading lines through the iterator (not rl.question) keeps piped answers that arrive all at once.
  const rl = createInterface({ input: process.stdin });
  const lines = rl[Symbol.asyncIterator]();
  const employee = {};
  for (const field of FIELDS) {
    const [name, fallback] = field;
    for (;;) {
      const hint = CATEGORICAL[name] ? ` (${CATEGORICAL[name].join(' / ')})` : '';
      process.stderr.write(`${name}${hint} [${fallback}]: `);
      const next = await lines.next();
      const answer = next.done ? '' : next.value.trim();
      const parsed = parseField(field, answer === '' ? String(fallback) : answer);
      if (parsed.error) {
        console.error(`  ${parsed.error}`);
        continue;
      }
      employee[name] = parsed.value;
      break;
    }
  }
  rl.close();
  return employee;
}

function fromJson(text) {
  const given = JSON.parse(text);
  const employee = {};
  const errors = [];
  for (const field of FIELDS) {
    const parsed = parseField(field, String(given[field[0]] ?? field[1]));
    if (parsed.error) errors.push(parsed.error);
    else employee[field[0]] = parsed.value;
  }
  if (errors.length) {
    console.error(errors.join('\n'));
    process.exit(2);
  }
  return employee;
}

const TIERS = [[0.2, 'Very Low'], [0.4, 'Low'], [0.6, 'Medium'], [0.8, 'High'], [Infinity, 'Very High']];

const jsonAt = process.argv.indexOf('--json');
const employee = jsonAt >= 0 ? fromJson(process.argv[jsonAt + 1] ?? '{}') : await ask();
const model = readJson('artifacts/model.json');
const scaler = readJson('data/processed/scaler.json');
const row = transform(employee, scaler);
const probability = predictProba(model, model.features.map((f) => row[f]));
const result = {
  prediction: probability >= 0.5 ? 1 : 0,
  label: probability >= 0.5 ? 'leave' : 'stay',
  probability: Number(probability.toFixed(4)),
  risk: TIERS.find(([limit]) => probability < limit)[1],
};
console.log(JSON.stringify(result));
