// Stage `evaluate`: metrics on the untouched test set; lockstep's gates read artifacts/metrics.json.
import { classificationMetrics, labels, predictProba, readCsv, readJson, writeJson } from './lib.mjs';

const model = readJson('artifacts/model.json');
const rows = readCsv('data/processed/test.csv');
const proba = rows.map((row) => predictProba(model, model.features.map((f) => row[f])));
const metrics = classificationMetrics(labels(rows), proba);
writeJson('artifacts/metrics.json', metrics);
console.log(`evaluate: recall ${metrics.recall}, accuracy ${metrics.accuracy}, roc_auc ${metrics.roc_auc}`);
