import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, LOCKSTEP_DIR, RUN_CACHE_VERSION, RUNS_DIR } from '../constants.js';
import { errnoCode } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import type { LockedPath } from '../lock/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { canonicalJson } from '../util/canonical-json.js';
import { fanOutEntries } from '../util/fan-out.js';
import { compareStrings } from '../util/sort.js';

/** What a stage ran with; its digest is the run-cache key. */
export interface RunInputs {
  cmd: string | string[];
  deps: Record<string, string>;
  params: Record<string, Record<string, unknown>>;
  env: Record<string, string | null>;
  outs: string[];
}

export interface RunResult {
  outs: LockedPath[];
  createdAt: string;
}

interface RecordFile {
  version: number;
  results: RunResult[];
}

const isLockedPath = (v: unknown): v is LockedPath => {
  const p = v as Partial<LockedPath> | null;
  return (
    typeof p === 'object' && p !== null && typeof p.path === 'string' && typeof p.sha256 === 'string' && /^[0-9a-f]{64}$/.test(p.sha256) &&
    Number.isSafeInteger(p.size) && (p.nfiles === undefined || Number.isSafeInteger(p.nfiles))
  );
};

const isRunResult = (v: unknown): v is RunResult => {
  const r = v as Partial<RunResult> | null;
  return typeof r === 'object' && r !== null && Array.isArray(r.outs) && r.outs.every(isLockedPath);
};

/** Keep a few results per key: enough for non-deterministic stages, bounded so records stay small. */
const MAX_RESULTS = 10;

export function runKey(inputs: RunInputs): string {
  return sha256Bytes(
    canonicalJson({ version: RUN_CACHE_VERSION, ...inputs, outs: [...inputs.outs].sort(compareStrings) }),
  );
}

/**
 * The run-cache: `.lockstep/cache/runs/ab/<key>.json`, each a list of results, newest first. A record that
 * cannot be read is a miss, never a failure.
 */
export class RunRecords {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, LOCKSTEP_DIR, CACHE_DIR, RUNS_DIR);
  }

  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  read(key: string): RunResult[] {
    try {
      const data = JSON.parse(readFileSync(this.pathOf(key), 'utf8')) as RecordFile;
      // Records travel between machines: a result of the wrong shape is skipped, never trusted.
      return data.version === RUN_CACHE_VERSION && Array.isArray(data.results) ? data.results.filter(isRunResult) : [];
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return [];
      throw err;
    }
  }

  /** Adds a result in front; an identical earlier result moves to the front instead of repeating. */
  add(key: string, outs: LockedPath[]): void {
    const same = (r: RunResult) => canonicalJson(r.outs) === canonicalJson(outs);
    const results = [{ outs, createdAt: new Date().toISOString() }, ...this.read(key).filter((r) => !same(r))].slice(0, MAX_RESULTS);
    this.write(key, results);
  }

  write(key: string, results: RunResult[]): void {
    if (results.length === 0) rmSync(this.pathOf(key), { force: true });
    // Not fsync'ed: a record lost in a crash is only a run-cache miss (and ~5 ms saved per stage).
    else writeFileAtomic(this.pathOf(key), `${JSON.stringify({ version: RUN_CACHE_VERSION, results } satisfies RecordFile)}\n`, { durable: false });
  }

  keys(): string[] {
    const keys: string[] = [];
    for (const { name } of fanOutEntries(this.dir)) if (!name.startsWith('.') && name.endsWith('.json')) keys.push(name.slice(0, -5));
    return keys.sort(compareStrings);
  }
}
