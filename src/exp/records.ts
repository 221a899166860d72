import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPS_DIR, stateDirOf, tmpDirOf } from '../constants.js';
import { errnoCode, LockstepError, UsageError } from '../errors.js';
import type { MetricsByFile } from '../metrics/read.js';
import type { StageStatus } from '../run/scheduler.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { jsonValue } from '../util/decimal-text.js';
import { relPosix } from '../util/paths.js';
import { stateRootOf } from '../util/repo-root.js';
import { compareStrings } from '../util/sort.js';
import type { Override } from './overrides.js';

export const RECORD_VERSION = 1;

/** One experiment, as `.lockstep/exps/<name>.json` keeps it. Values a double cannot hold are their text. */
export interface ExpRecord {
  version: number;
  name: string;
  createdAt: string;
  /** HEAD when it ran (null outside git): the code it ran with, plus whatever was uncommitted then. */
  baseCommit: string | null;
  overrides: Override[];
  status: 'ok' | 'failed';
  /** The failing stage's message, when status is failed. */
  failure?: string;
  stages: Record<string, StageStatus>;
  /** The variant's pipeline.lock as written: every stage's dep, out and param digests and values. */
  lock: string;
  metrics: MetricsByFile;
  gate: { verdict: 'pass' | 'fail'; failed: string[] };
  durationMs: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError(`'${name}' is not a valid experiment name`, { hint: 'use letters, digits, ., _ and - (starting with a letter or digit)' });
  }
}

/**
 * `.lockstep/exps/[<folder>/]`: the records of the pipelines in `root`, a folder of the repository (none
 * for the state root itself), so the experiments of two pipeline folders are listed apart. Its own
 * .gitignore keeps the records on this machine whatever .lockstep/.gitignore says.
 */
export function expsDir(root: string): string {
  const folder = relPosix(stateRootOf(root), root);
  return join(stateDirOf(root), EXPS_DIR, ...(folder === '.' ? [] : folder.split('/')));
}

function recordPath(root: string, name: string): string {
  checkName(name);
  return join(expsDir(root), `${name}.json`);
}

export function hasRecord(root: string, name: string): boolean {
  return existsSync(recordPath(root, name));
}

export function writeRecord(root: string, record: ExpRecord): void {
  const dir = expsDir(root);
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# written by lockstep exp: experiment records stay on this machine\n*\n');
  writeFileAtomic(recordPath(root, record.name), `${JSON.stringify(jsonValue(record), null, 2)}\n`, { tmpDir: tmpDirOf(root) });
}

export function readRecord(root: string, name: string): ExpRecord {
  let text: string;
  try {
    text = readFileSync(recordPath(root, name), 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    const known = listRecords(root).map((r) => r.name);
    throw new UsageError(`no experiment named '${name}'`, { hint: known.length ? `experiments: ${known.join(', ')}` : 'run one with lockstep exp run -S KEY=VALUE' });
  }
  return parseRecord(text, name);
}

function parseRecord(text: string, name: string): ExpRecord {
  let data: Partial<ExpRecord>;
  try {
    data = JSON.parse(text) as Partial<ExpRecord>;
  } catch (err) {
    throw new LockstepError('E_BAD_EXP_RECORD', `experiment record ${name} is not valid JSON`, { hint: `remove it: lockstep exp remove ${name}`, cause: err });
  }
  if (data.version !== RECORD_VERSION || typeof data.lock !== 'string' || !Array.isArray(data.overrides)) {
    throw new LockstepError('E_BAD_EXP_RECORD', `experiment record ${name} has an unknown format (version ${String(data.version)})`, {
      hint: `remove it (lockstep exp remove ${name}) or use the lockstep version that wrote it`,
    });
  }
  return data as ExpRecord;
}

/** Every record, oldest first. */
export function listRecords(root: string): ExpRecord[] {
  let names: string[];
  try {
    names = readdirSync(expsDir(root)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const records = names.map((n) => parseRecord(readFileSync(join(expsDir(root), n), 'utf8'), n.slice(0, -5)));
  return records.sort((a, b) => compareStrings(a.createdAt, b.createdAt) || compareStrings(a.name, b.name));
}

/** The records of every pipeline folder of the repository `dir` is in (gc keeps all their objects). */
export function listRecordsOfRepository(dir: string): ExpRecord[] {
  const top = join(stateDirOf(dir), EXPS_DIR);
  let entries;
  try {
    entries = readdirSync(top, { recursive: true, withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => parseRecord(readFileSync(join(e.parentPath, e.name), 'utf8'), e.name.slice(0, -5)));
}

export function removeRecord(root: string, name: string): void {
  readRecord(root, name);
  rmSync(recordPath(root, name));
}
