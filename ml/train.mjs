// Stage `train`: logistic regression with L2 (C, max_iter, class weight from params.yaml).
import { FEATURE_EXCLUDE, fitLogistic, labels, matrix, params, readCsv, writeJson } from './lib.mjs';

const p = params().train;
const rows = readCsv('data/processed/train.csv');
const features = Object.keys(rows[0]).filter((c) => !FEATURE_EXCLUDE.has(c));
const model = fitLogistic(matrix(rows, features), labels(rows), {
  C: p.C, maxIter: p.max_iter, learningRate: p.learning_rate, classWeight: p.class_weight,
});
writeJson('artifacts/model.json', { features, ...model, params: p });
console.log(`train: ${features.length} features, ${rows.length} rows, C=${p.C}, class_weight=${p.class_weight}`);
