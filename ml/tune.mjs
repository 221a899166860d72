// Stage `tune`: grid search over C × class weight, scored by cross-validated recall.
import { FEATURE_EXCLUDE, cvRecalls, meanOf, params, readCsv, stratifiedFolds, writeJson } from './lib.mjs';

const all = params();
const p = all.tune;
const rows = readCsv('data/processed/train.csv');
const features = Object.keys(rows[0]).filter((c) => !FEATURE_EXCLUDE.has(c));
const folds = stratifiedFolds(rows, all.cross_validate.folds, all.seed);

const grid = [];
for (const C of p.C_grid) {
  for (const classWeight of p.class_weights) {
    const recalls = cvRecalls(folds, features, { C, classWeight, maxIter: p.max_iter, learningRate: all.train.learning_rate });
    grid.push({ C, class_weight: classWeight, recall: Number(meanOf(recalls).toFixed(4)) });
  }
}
const best = grid.reduce((a, b) => (b.recall > a.recall ? b : a));
writeJson('artifacts/tuning.json', { scoring: 'cv recall', best, grid });
console.log(`tune: best C=${best.C}, class_weight=${best.class_weight}, cv recall ${best.recall}`);
