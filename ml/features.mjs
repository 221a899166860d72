// The 15 raw attributes, the 4 derived features and the transform shared by `prepare` and `predict`,
// so a prediction sees exactly the encoding the model was trained on.
export const NUMERIC = [
  'age', 'job_level', 'monthly_income', 'years_at_company', 'years_in_current_role',
  'years_since_last_promotion', 'job_satisfaction', 'environment_satisfaction', 'work_life_balance',
  'distance_from_home', 'num_companies_worked',
];
export const CATEGORICAL = {
  department: ['Sales', 'Research & Development', 'Human Resources'],
  job_role: ['Sales Executive', 'Sales Representative', 'Research Scientist', 'Laboratory Technician', 'Manager', 'HR Specialist'],
  overtime: ['Yes', 'No'],
  marital_status: ['Single', 'Married', 'Divorced'],
};
export const DERIVED = ['income_per_level', 'tenure_ratio', 'promotion_gap', 'satisfaction_mean'];

export function derive(e) {
  return {
    income_per_level: e.monthly_income / Math.max(1, e.job_level),
    tenure_ratio: e.years_in_current_role / Math.max(1, e.years_at_company),
    promotion_gap: e.years_since_last_promotion / Math.max(1, e.years_at_company),
    satisfaction_mean: (e.job_satisfaction + e.environment_satisfaction + e.work_life_balance) / 3,
  };
}

const slug = (v) => v.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** Imputed, derived, one-hot encoded and scaled: the model's input for one employee. */
export function transform(employee, scaler) {
  const e = { ...employee };
  for (const col of NUMERIC) if (e[col] === null || e[col] === undefined) e[col] = scaler.medians[col];
  const row = { ...e, ...derive(e) };
  const out = {};
  for (const col of [...NUMERIC, ...DERIVED]) out[col] = (row[col] - scaler.mean[col]) / scaler.std[col];
  for (const [col, values] of Object.entries(CATEGORICAL)) {
    for (const v of values) out[`${col}_${slug(v)}`] = row[col] === v ? 1 : 0;
  }
  return out;
}
