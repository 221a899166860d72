#!/usr/bin/env node
// Will this employee leave? Asks for the 15 attributes (Enter keeps the default), or takes them all at once
// with --json '{…}', and scores them with the trained model: `node ml/predict.mjs`.
import { createInterface } from 'node:readline';
import { CATEGORICAL } from './features.mjs';
import { FIELDS, loadModel, parseEmployee, parseField, score } from './score.mjs';

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
  const { employee, errors } = parseEmployee(JSON.parse(text));
  if (errors) {
    console.error(errors.join('\n'));
    process.exit(2);
  }
  return employee;
}

const jsonAt = process.argv.indexOf('--json');
const employee = jsonAt >= 0 ? fromJson(process.argv[jsonAt + 1] ?? '{}') : await ask();
console.log(JSON.stringify(score(employee, loadModel())));
