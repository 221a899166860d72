// Small helpers shared by the example stages: seeded randomness, CSV, params, logistic regression and
// metrics. Plain Node, no dependencies beyond `yaml`, so the example runs anywhere lockstep does.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';

export function params() {
  return parse(readFileSync('params.yaml', 'utf8'));
}

/** mulberry32: tiny, fast and identical on every machine, so the data set is byte-for-byte reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    normal: (mean = 0, sd = 1) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
}

export function writeCsv(path, rows, columns = Object.keys(rows[0])) {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => r[c] ?? '').join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Numbers become numbers, empty cells become null, everything else stays a string. */
export function readCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] === '' ? null : Number.isNaN(Number(cells[i])) ? cells[i] : Number(cells[i])]));
  });
}

export function writeJson(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

export const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/**
 * L2-regularised logistic regression by full-batch gradient descent. `C` is the inverse regularisation
 * strength (as in scikit-learn); `classWeight: 'balanced'` weighs each class by n / (2 · n_class).
 */
export function fitLogistic(X, y, { C = 1, maxIter = 500, learningRate = 0.1, classWeight = 'none' } = {}) {
  const n = X.length;
  const d = X[0].length;
  const positives = y.reduce((s, v) => s + v, 0);
  const w1 = classWeight === 'balanced' ? n / (2 * positives) : 1;
  const w0 = classWeight === 'balanced' ? n / (2 * (n - positives)) : 1;
  const weights = new Array(d).fill(0);
  let bias = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    const grad = new Array(d).fill(0);
    let gradBias = 0;
    for (let i = 0; i < n; i++) {
      const row = X[i];
      let z = bias;
      for (let j = 0; j < d; j++) z += weights[j] * row[j];
      const err = (sigmoid(z) - y[i]) * (y[i] === 1 ? w1 : w0);
      for (let j = 0; j < d; j++) grad[j] += err * row[j];
      gradBias += err;
    }
    for (let j = 0; j < d; j++) weights[j] -= learningRate * (grad[j] / n + weights[j] / (C * n));
    bias -= (learningRate * gradBias) / n;
  }
  return { weights, bias };
}

export function predictProba(model, row) {
  let z = model.bias;
  for (let j = 0; j < row.length; j++) z += model.weights[j] * row[j];
  return sigmoid(z);
}

/** Accuracy, precision, recall, F1, ROC AUC (rank statistic) and the confusion matrix at threshold 0.5. */
export function classificationMetrics(y, proba, threshold = 0.5) {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  y.forEach((label, i) => {
    const pred = proba[i] >= threshold ? 1 : 0;
    if (pred === 1 && label === 1) tp++;
    else if (pred === 1) fp++;
    else if (label === 1) fn++;
    else tn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const round = (v) => Math.round(v * 10000) / 10000;
  return {
    accuracy: round((tp + tn) / y.length),
    precision: round(precision),
    recall: round(recall),
    f1: round(precision + recall ? (2 * precision * recall) / (precision + recall) : 0),
    roc_auc: round(rocAuc(y, proba)),
    confusion_matrix: { tp, fp, tn, fn },
  };
}

function rocAuc(y, proba) {
  const order = proba.map((p, i) => [p, y[i]]).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k][1] === 1) {
      rankSum += avgRank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  return positives && negatives ? (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives) : 0.5;
}

/** Stratified folds keyed by `row_id`, so oversampled copies of a row never straddle train and validation. */
export function stratifiedFolds(rows, k, seed) {
  const ids = [...new Map(rows.map((r) => [r.row_id, r.attrition])).entries()];
  const r = rng(seed);
  const foldOf = new Map();
  for (const label of [0, 1]) {
    r.shuffle(ids.filter(([, l]) => l === label)).forEach(([id], i) => foldOf.set(id, i % k));
  }
  return Array.from({ length: k }, (_, f) => ({
    train: rows.filter((row) => foldOf.get(row.row_id) !== f),
    // Validate on each original row once, never on its oversampled copies.
    validation: [...new Map(rows.filter((row) => foldOf.get(row.row_id) === f).map((row) => [row.row_id, row])).values()],
  }));
}

export const FEATURE_EXCLUDE = new Set(['row_id', 'attrition']);
export const matrix = (rows, features) => rows.map((r) => features.map((f) => r[f]));
export const labels = (rows) => rows.map((r) => r.attrition);

/** Recall of each fold when a model trained with `options` on the fold's train part scores its validation part. */
export function cvRecalls(folds, features, options) {
  return folds.map(({ train, validation }) => {
    const model = fitLogistic(matrix(train, features), labels(train), options);
    const proba = validation.map((row) => predictProba(model, features.map((f) => row[f])));
    return classificationMetrics(labels(validation), proba).recall;
  });
}

export const meanOf = (values) => values.reduce((s, v) => s + v, 0) / values.length;
