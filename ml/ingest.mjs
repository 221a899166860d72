// Stage `ingest`: a synthetic HR data set, seeded so every machine writes identical bytes. Attrition is
// driven by plausible effects (overtime, low satisfaction, no promotion, long commutes…) plus noise.
// `ingest.drift` (0 = the population the model was approved on) moves the population: older, better paid,
// more overtime, longer commutes, more previous employers. It only scales existing terms and draws no extra
// random numbers, so drift 0 writes the same bytes as before the knob existed.
import { CATEGORICAL } from './features.mjs';
import { params, rng, sigmoid, writeCsv } from './lib.mjs';

const p = params();
const r = rng(p.seed);
const drift = p.ingest.drift;
const ROLES = {
  Sales: ['Sales Executive', 'Sales Representative', 'Manager'],
  'Research & Development': ['Research Scientist', 'Laboratory Technician', 'Manager'],
  'Human Resources': ['HR Specialist', 'Manager'],
};
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

const rows = [];
for (let id = 1; id <= p.ingest.n_employees; id++) {
  const department = r.pick(CATEGORICAL.department);
  const job_role = r.pick(ROLES[department]);
  const age = clamp(Math.round(r.normal(37 + 14 * drift, 9)), 18, 60);
  const job_level = clamp(Math.round((age - 18) / 9 + r.normal(0, 0.8)) + (job_role === 'Manager' ? 1 : 0), 1, 5);
  const monthly_income = Math.round(clamp(1500 + job_level * 2800 + 2000 * drift + r.normal(0, 900), 1000, 20000));
  const years_at_company = clamp(Math.round(Math.abs(r.normal(0, 1)) * Math.min(age - 18, 12)), 0, 40);
  const years_in_current_role = r.int(0, years_at_company);
  const years_since_last_promotion = r.int(0, years_at_company);
  const overtime = r.next() < 0.28 + 0.5 * drift ? 'Yes' : 'No';
  const job_satisfaction = r.int(1, 4);
  const environment_satisfaction = r.int(1, 4);
  const work_life_balance = r.int(1, 4);
  const distance_from_home = r.int(1, 29 + Math.round(40 * drift));
  const num_companies_worked = clamp(Math.round(Math.abs(r.normal(0, 2.5 + 3 * drift))), 0, 9);
  const marital_status = r.pick(CATEGORICAL.marital_status);

  const logit =
    -3.9 +
    (overtime === 'Yes' ? 2.2 : 0) +
    -0.7 * (job_satisfaction - 2.5) +
    -0.6 * (environment_satisfaction - 2.5) +
    -0.55 * (work_life_balance - 2.5) +
    (marital_status === 'Single' ? 1.0 : 0) +
    0.07 * (distance_from_home - 10) +
    0.25 * years_since_last_promotion -
    0.15 * years_at_company +
    -0.0002 * (monthly_income - 6000) +
    0.2 * num_companies_worked +
    -0.05 * (age - 37) +
    (job_role === 'Sales Representative' ? 0.9 : 0) +
    r.normal(0, 0.3);
  const attrition = r.next() < sigmoid(logit) ? 1 : 0;

  // Real exports have gaps: a few cells left empty, at the rate params ask for.
  const gap = (v) => (r.next() < p.ingest.missing_rate ? null : v);
  rows.push({
    employee_id: id, age, department, job_level, job_role, monthly_income, years_at_company,
    years_in_current_role, years_since_last_promotion, overtime, job_satisfaction,
    environment_satisfaction, work_life_balance, distance_from_home: gap(distance_from_home),
    num_companies_worked: gap(num_companies_worked), marital_status, attrition,
  });
}
writeCsv('data/raw/employees.csv', rows);
const leavers = rows.filter((row) => row.attrition === 1).length;
console.log(`ingest: ${rows.length} employees, ${((100 * leavers) / rows.length).toFixed(1)}% leave`);
