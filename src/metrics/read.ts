import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ObjectStore } from '../cache/object-store.js';
import { LockstepError, errnoCode } from '../errors.js';
import { resolveRevision, tryReadAtRevision } from '../git/git.js';
import { parseLockText } from '../lock/lock-file.js';
import type { Pipeline } from '../pipeline/types.js';
import { DecimalText } from '../util/decimal-text.js';
import { parseExact } from '../util/parse-exact.js';
import { compareStrings } from '../util/sort.js';
import { readText } from '../util/read-text.js';

/** A number a double cannot hold exactly stays a DecimalText (see util/parse-exact.ts). */
export type MetricValue = number | DecimalText | string | boolean | null;
/** metrics file → flattened key → value */
export type MetricsByFile = Record<string, Record<string, MetricValue>>;

/** Stage `metrics:` outs and top-level `metrics:` files, sorted, each once. */
export function metricFiles(pipeline: Pipeline): { path: string; cached: boolean }[] {
  const files = new Map<string, boolean>();
  for (const s of pipeline.stages) for (const o of s.outs) if (o.metric) files.set(o.path, o.cache);
  for (const m of pipeline.metrics) if (!files.has(m)) files.set(m, false);
  return [...files].sort((a, b) => compareStrings(a[0], b[0])).map(([path, cached]) => ({ path, cached }));
}

/**
 * `:2:7: unresolved plain scalar "oops"`: where and what, on one line, without quoting the file. JSON is
 * parsed as YAML with the JSON schema too (util/parse-exact.ts), so its errors carry a position as well.
 */
function parseProblem(err: unknown): string {
  const located = err as { linePos?: { line: number; col: number }[]; message?: string };
  const where = located.linePos?.[0];
  if (located.message && where) {
    const what = located.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return `:${where.line}:${where.col}: ${what.charAt(0).toLowerCase()}${what.slice(1)}`;
  }
  return ` cannot be parsed: ${String((err as Error).message).split('\n')[0]!.replace(/, ".*" is not valid JSON$/s, '')}`;
}

/** JSON or YAML; nested keys flattened with dots; lists by index. A broken file is an error naming it. */
export function parseMetrics(text: string, path: string): Record<string, MetricValue> {
  let data: unknown;
  try {
    data = parseExact(text, extname(path) === '.json');
  } catch (err) {
    throw new LockstepError('E_BAD_METRICS', `metrics file ${path}${parseProblem(err)}`, {
      hint: 'metrics files are JSON or YAML maps of names to numbers',
      cause: err,
    });
  }
  if (data === null || typeof data !== 'object') {
    throw new LockstepError('E_BAD_METRICS', `metrics file ${path} is not a map of metrics`, {
      hint: 'write an object such as {"recall": 0.81}',
    });
  }
  const out: Record<string, MetricValue> = {};
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object' && !(v instanceof DecimalText)) {
      for (const [k, child] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, child);
    } else if (prefix) {
      out[prefix] = v as MetricValue;
    }
  };
  walk('', data);
  return out;
}

export function readWorkspaceMetrics(pipeline: Pipeline): MetricsByFile {
  const out: MetricsByFile = {};
  for (const { path } of metricFiles(pipeline)) {
    let text: string;
    try {
      text = readText(join(pipeline.root, path));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    out[path] = parseMetrics(text, path);
  }
  return out;
}

/** Metrics at a revision, and the files whose content exists there but cannot be read here (file → why). */
export interface RevisionMetrics {
  metrics: MetricsByFile;
  unreadable: Record<string, string>;
}

/** The metrics as committed at `rev` (see readRevisionMetricsWithGaps); files that cannot be read are left out. */
export function readRevisionMetrics(pipeline: Pipeline, rev: string): MetricsByFile {
  return readRevisionMetricsWithGaps(pipeline, rev).metrics;
}

/**
 * Metrics as committed at `rev`. Files git tracks are read from git; cached metrics (git-ignored) through
 * that revision's lock digest and the local object store. A cached file whose object is not in the local
 * cache (a fresh CI runner) is reported as unreadable, so a gate can fail closed instead of skipping.
 */
export function readRevisionMetricsWithGaps(pipeline: Pipeline, rev: string): RevisionMetrics {
  const commit = resolveRevision(pipeline.root, rev);
  const lockName = pipeline.lockFile.slice(pipeline.root.length + 1);
  let lockText: string | undefined;
  const out: RevisionMetrics = { metrics: {}, unreadable: {} };
  for (const { path } of metricFiles(pipeline)) {
    let text = tryReadAtRevision(pipeline.root, commit, path);
    if (text === undefined) {
      lockText ??= tryReadAtRevision(pipeline.root, commit, lockName) ?? '';
      const lock = lockText ? parseLockText(lockText, lockName) : undefined;
      const digest = Object.values(lock?.stages ?? {}).flatMap((s) => s.outs).find((o) => o.path === path)?.sha256;
      if (digest) {
        try {
          text = readFileSync(new ObjectStore(pipeline.root).pathOf(digest), 'utf8');
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
          out.unreadable[path] = `its cached copy (${digest.slice(0, 8)}, from ${lockName} at ${rev}) is not in the local cache`;
        }
      }
    }
    if (text !== undefined) out.metrics[path] = parseMetrics(text, path);
  }
  return out;
}
