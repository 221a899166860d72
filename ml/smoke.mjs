// Stage `smoke`: known employees scored through the code of `npm run predict` (ml/score.mjs); each must get
// its risk tier. A change that breaks predict fails the `smoke.failed` gate even when the test metrics look fine.
import { readJson, writeJson } from './lib.mjs';
import { loadModel, parseEmployee, score } from './score.mjs';

const cases = readJson('ml/smoke-cases.json');
const model = loadModel();
const failures = [];
for (const c of cases) {
  let got;
  try {
    const { employee, errors } = parseEmployee(c.employee);
    got = errors ? errors.join('; ') : score(employee, model).risk;
  } catch (err) {
    // One broken case is a failed case, counted and named, not a crash that hides the others.
    got = `error: ${err.message}`;
  }
  if (got !== c.risk) failures.push(`${c.name}: expected ${c.risk}, got ${got}`);
}
writeJson('artifacts/smoke.json', { smoke: { cases: cases.length, failed: failures.length }, failures });
for (const f of failures) console.error(`smoke: FAILED ${f}`);
console.log(`smoke: ${cases.length - failures.length} of ${cases.length} known employees got their risk tier`);
