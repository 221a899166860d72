// Stage `cross_validate`: k-fold stratified recall of the training recipe, to see how stable it is.
import { FEATURE_EXCLUDE, cvRecalls, meanOf, params, readCsv, stratifiedFolds, writeJson } from './lib.mjs';

const all = params();
const p = all.train;
const rows = readCsv('data/processed/train.csv');
const features = Object.keys(rows[0]).filter((c) => !FEATURE_EXCLUDE.has(c));
const folds = stratifiedFolds(rows, all.cross_validate.folds, all.seed);
const recalls = cvRecalls(folds, features, { C: p.C, maxIter: p.max_iter, learningRate: p.learning_rate, classWeight: p.class_weight });
const mean = meanOf(recalls);
const std = Math.sqrt(meanOf(recalls.map((v) => (v - mean) ** 2)));
writeJson('artifacts/cv.json', { metric: 'recall', folds: recalls.length, mean: Number(mean.toFixed(4)), std: Number(std.toFixed(4)), per_fold: recalls });
console.log(`cross_validate: recall ${mean.toFixed(3)} ± ${std.toFixed(3)} over ${recalls.length} folds`);
