// Stage `reference` (frozen): profiles the ingested data the current model was approved on. It runs only
// on request (README: "When the data drifts"), so every later ingest is compared with this profile.
import { readCsv, writeJson } from './lib.mjs';
import { profileOf } from './profile.mjs';

const profile = profileOf(readCsv('data/raw/employees.csv'));
writeJson('reference/profile.json', profile);
console.log(`reference: profiled ${profile.rows} employees`);
