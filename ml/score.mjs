// Scoring one employee: the code behind `npm run predict` and the `smoke` stage, so the smoke test checks
// exactly what people run.
import { CATEGORICAL, transform } from './features.mjs';
import { predictProba, readJson } from './lib.mjs';

/** The 15 attributes: name, default, and the allowed range of numeric ones. */
export const FIELDS = [
  ['age', 35, [18, 70]], ['department', 'Research & Development'], ['job_level', 2, [1, 5]],
  ['job_role', 'Research Scientist'], ['monthly_income', 6000, [500, 50000]], ['years_at_company', 5, [0, 50]],
  ['years_in_current_role', 3, [0, 50]], ['years_since_last_promotion', 1, [0, 50]], ['overtime', 'No'],
  ['job_satisfaction', 3, [1, 4]], ['environment_satisfaction', 3, [1, 4]], ['work_life_balance', 3, [1, 4]],
  ['distance_from_home', 8, [0, 100]], ['num_companies_worked', 2, [0, 20]], ['marital_status', 'Married'],
];

/** The parsed value, or an error message saying what is allowed. */
export function parseField([name, , range], raw) {
  if (range) {
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || n < range[0] || n > range[1]) return { error: `${name} must be a number from ${range[0]} to ${range[1]}` };
    return { value: n };
  }
  const match = CATEGORICAL[name].find((v) => v.toLowerCase() === String(raw).toLowerCase());
  return match ? { value: match } : { error: `${name} must be one of: ${CATEGORICAL[name].join(', ')}` };
}

/** An employee from an object of given attributes (the rest take their defaults), or every error. */
export function parseEmployee(given) {
  const employee = {};
  const errors = [];
  for (const field of FIELDS) {
    const parsed = parseField(field, String(given[field[0]] ?? field[1]));
    if (parsed.error) errors.push(parsed.error);
    else employee[field[0]] = parsed.value;
  }
  return errors.length ? { errors } : { employee };
}

const TIERS = [[0.2, 'Very Low'], [0.4, 'Low'], [0.6, 'Medium'], [0.8, 'High'], [Infinity, 'Very High']];

/** The trained model and the scaler fitted on the training set, as the pipeline left them. */
export const loadModel = () => ({ model: readJson('artifacts/model.json'), scaler: readJson('data/processed/scaler.json') });

/** Leave or stay, the probability and its risk tier. */
export function score(employee, { model, scaler }) {
  const row = transform(employee, scaler);
  const probability = predictProba(model, model.features.map((f) => row[f]));
  return {
    prediction: probability >= 0.5 ? 1 : 0,
    label: probability >= 0.5 ? 'leave' : 'stay',
    probability: Number(probability.toFixed(4)),
    risk: TIERS.find(([limit]) => probability < limit)?.[1] ?? 'invalid',
  };
}
