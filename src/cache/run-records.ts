import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, RUN_CACHE_VERSION, RUNS_DIR, stateDirOf } from '../constants.js';
import { errnoCode } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import type { LockedPath } from '../lock/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { canonicalJson } from '../util/canonical-json.js';
import { fanOutEntries } from '../util/fan-out.js';
import { asRunResults } from './remote-shapes.js';
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

  /** `dir`: any folder of the repository (see stateDirOf). */
  constructor(dir: string) {
    this.dir = join(stateDirOf(dir), CACHE_DIR, RUNS_DIR);
  }

  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  read(key: string): RunResult[] {
    try {
      return asRunResults(JSON.parse(readFileSync(this.pathOf(key), 'utf8')), RUN_CACHE_VERSION) ?? [];
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

  /**
   * Merges results from elsewhere (a remote) into the local record: one list, newest first, duplicates
   * kept once. Returns the merged list.
   */
  merge(key: string, incoming: RunResult[]): RunResult[] {
    const current = this.read(key);
    const merged = RunRecords.merge(current, incoming);
    if (canonicalJson(merged) !== canonicalJson(current)) this.write(key, merged);
    return merged;
  }

  /** Two result lists as one: newest first, each distinct result once (its newest date), bounded. */
  static merge(a: RunResult[], b: RunResult[]): RunResult[] {
    const byOuts = new Map<string, RunResult>();
    for (const r of [...a, ...b]) {
      const id = canonicalJson(r.outs);
      const seen = byOuts.get(id);
      if (!seen || seen.createdAt < r.createdAt) byOuts.set(id, r);
    }
    return [...byOuts.values()].sort((x, y) => (x.createdAt < y.createdAt ? 1 : x.createdAt > y.createdAt ? -1 : 0)).slice(0, MAX_RESULTS);
  }

  /** The bytes of a record file as stored (and pushed). */
  static serialize(results: RunResult[]): string {
    return `${JSON.stringify({ version: RUN_CACHE_VERSION, results } satisfies RecordFile)}\n`;
  }

  /** The results in a record file's text, or undefined when it is not a valid record. */
  static parse(text: string): RunResult[] | undefined {
    try {
      return asRunResults(JSON.parse(text), RUN_CACHE_VERSION);
    } catch {
      return undefined;
    }
  }

  write(key: string, results: RunResult[]): void {
    if (results.length === 0) rmSync(this.pathOf(key), { force: true });
    // Not fsync'ed: a record lost in a crash is only a run-cache miss (and ~5 ms saved per stage).
    else writeFileAtomic(this.pathOf(key), RunRecords.serialize(results), { durable: false });
  }

  keys(): string[] {
    const keys: string[] = [];
    for (const { name } of fanOutEntries(this.dir)) if (!name.startsWith('.') && name.endsWith('.json')) keys.push(name.slice(0, -5));
    return keys.sort(compareStrings);
  }
}
