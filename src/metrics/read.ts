import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ObjectStore } from '../cache/object-store.js';
import { LockstepError, errnoCode } from '../errors.js';
import { resolveRevision, tryReadAtRevision } from '../git/git.js';
import { parseLockText } from '../lock/lock-file.js';
import type { Pipeline } from '../pipeline/types.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { compareStrings } from '../util/sort.js';
import { readText } from '../util/read-text.js';

export type MetricValue = number | string | boolean | null;
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
 * `:2:7: unresolved plain scalar "oops"`: where and what, on one line, without quoting the file. JSON.parse
 * names no line, so a JSON error is located by parsing the text again as YAML with the JSON schema.
 */
function parseProblem(text: string, err: unknown): string {
  const yamlError = err as { linePos?: { line: number; col: number }[]; message?: string };
  const located = yamlError.linePos ? yamlError : lazyYaml().parseDocument(text, { schema: 'json' }).errors[0];
  const where = located?.linePos?.[0];
  if (located?.message && where) {
    const what = located.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return `:${where.line}:${where.col}: ${what.charAt(0).toLowerCase()}${what.slice(1)}`;
  }
  return ` cannot be parsed: ${String((err as Error).message).split('\n')[0]!.replace(/, ".*" is not valid JSON$/s, '')}`;
}

/** JSON or YAML; nested keys flattened with dots; lists by index. A broken file is an error naming it. */
export function parseMetrics(text: string, path: string): Record<string, MetricValue> {
  let data: unknown;
  try {
    data = extname(path) === '.json' ? JSON.parse(text) : lazyYaml().parse(text);
  } catch (err) {
    throw new LockstepError('E_BAD_METRICS', `metrics file ${path}${parseProblem(text, err)}`, {
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
    if (v !== null && typeof v === 'object') {
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

/**
 * Metrics as committed at `rev`. Files git tracks are read from git; cached metrics (git-ignored) through
 * that revision's lock digest and the local object store.
 */
export function readRevisionMetrics(pipeline: Pipeline, rev: string): MetricsByFile {
  const commit = resolveRevision(pipeline.root, rev);
  const lockName = pipeline.lockFile.slice(pipeline.root.length + 1);
  let lockText: string | undefined;
  const out: MetricsByFile = {};
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
        }
      }
    }
    if (text !== undefined) out[path] = parseMetrics(text, path);
  }
  return out;
}
