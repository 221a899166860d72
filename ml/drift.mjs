// Stage `drift`: the population stability index of each feature of the ingested data against the reference
// profile; the share of features above the threshold is what the gate reads.
import { params, readCsv, readJson, writeJson } from './lib.mjs';
import { psiByFeature, round } from './profile.mjs';

const p = params().drift;
const byFeature = psiByFeature(readJson('reference/profile.json'), readCsv('data/raw/employees.csv'));
const features = Object.keys(byFeature).sort();
const drifted = features.filter((f) => byFeature[f] > p.psi_threshold);
writeJson('artifacts/drift.json', {
  drift: {
    share_drifted: round(drifted.length / features.length),
    drifted: drifted.length,
    features: features.length,
    psi: Object.fromEntries(features.map((f) => [f, round(byFeature[f])])),
  },
});
console.log(`drift: ${drifted.length} of ${features.length} features drifted (PSI > ${p.psi_threshold})${drifted.length ? `: ${drifted.join(', ')}` : ''}`);
