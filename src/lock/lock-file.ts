
import { basename } from 'node:path';
import { LOCK_VERSION } from '../constants.js';
import { SHA256_HEX } from '../hash/digest.js';
import { ConfigError, errnoCode } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { lazyYaml, lazyZod } from '../util/lazy-modules.js';
import { parseWithMemo, primeMemo } from '../util/parse-memo.js';
import { decimalTextTag, parseExact } from '../util/parse-exact.js';
import { dict } from '../util/dict.js';
import { compareStrings, sortedBy } from '../util/sort.js';
import type { LockEntry, LockFile, LockedPath } from './types.js';
import { readText } from '../util/read-text.js';

/** Built on first use (see util/lazy-modules.ts): a memoized lock never needs zod. */
function buildSchema() {
  const { z } = lazyZod();
  const lockedPath = z.object({
    path: z.string(),
    sha256: z.string().regex(SHA256_HEX),
    size: z.number().int().nonnegative(),
    nfiles: z.number().int().nonnegative().optional(),
  });
  const lockEntry = z.object({
    cmd: z.union([z.string(), z.array(z.string())]),
    deps: z.array(lockedPath).default([]),
    params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    env: z.record(z.string(), z.string().nullable()).default({}),
    outs: z.array(lockedPath).default([]),
  });
  return z.object({
    version: z.number().int(),
    stages: z.record(z.string(), lockEntry).nullable().default({}),
    data: z.array(lockedPath).optional(),
  });
}

let lockSchema: ReturnType<typeof buildSchema> | undefined;

export function emptyLock(): LockFile {
  return { version: LOCK_VERSION, stages: dict() };
}

/** Reads the lock; a missing file is an empty lock. A newer or broken lock is refused, never rewritten. */
export function readLock(path: string, memoFile?: string): LockFile {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return emptyLock();
    throw err;
  }
  return parseLockText(text, basename(path), memoFile);
}

/** Parses lock text (from disk or from another revision); `name` is used in messages. */
export function parseLockText(text: string, name: string, memoFile?: string): LockFile {
  // Parsed, version-checked and validated once per distinct text; later reads come from the memo.
  const parsed = parseWithMemo(text, memoFile, (t) => validateLock(parseYamlText(t, name), name)) as Parsed;
  // Stage names are user text: a stage called `constructor` must not find Object.prototype's member.
  return { version: LOCK_VERSION, ...parsed, stages: dict(Object.entries(parsed.stages)) };
}

/** What the memo holds: the lock without its version (which validation pinned). */
type Parsed = Omit<LockFile, 'version'>;

function parseYamlText(text: string, name: string): unknown {
  try {
    return parseExact(text);
  } catch (err) {
    throw new ConfigError(`${name} is not valid YAML: ${(err as Error).message}`, {
      hint: `restore it from git (git checkout -- ${name}) or delete it to rerun every stage`,
      cause: err,
    });
  }
}

function validateLock(raw: unknown, name: string): Parsed {
  if (raw === null || raw === undefined) return { stages: {} };
  if (typeof raw !== 'object' || Array.isArray(raw) || !('stages' in raw || 'version' in raw)) {
    throw new ConfigError(`${name} is not a lockstep lock file`, {
      hint: `restore it from git (git checkout -- ${name}) or delete it to rerun every stage; it was left untouched`,
    });
  }
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > LOCK_VERSION) {
    throw new ConfigError(`${name} has version ${version}, this lockstep understands up to ${LOCK_VERSION}`, {
      hint: 'upgrade lockstep; the lock was left untouched',
    });
  }
  const parsed = (lockSchema ??= buildSchema()).safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ConfigError(`${name} is malformed at ${first.path.join('.') || 'its top level'}: ${first.message}`, {
      hint: `restore it from git (git checkout -- ${name}) or delete it to rerun every stage`,
    });
  }
  if (parsed.data.version !== LOCK_VERSION) {
    throw new ConfigError(`${name} has unknown version ${parsed.data.version}`, { hint: 'the lock was left untouched' });
  }
  const stages = (parsed.data.stages ?? {}) as Record<string, LockEntry>;
  return parsed.data.data?.length ? { stages, data: sortedBy(parsed.data.data, (d) => d.path).map(orderedPath) } : { stages };
}

/**
 * Deterministic text: fixed key order, stages and entries sorted, deps/outs one flow map per line, no
 * line wrapping. Equal locks are equal bytes, so a no-op never shows up in `git diff`.
 */
export function serializeLock(lock: LockFile): string {
  const names = Object.keys(lock.stages).sort(compareStrings);
  const stages = names.length === 0 ? 'stages: {}\n' : `stages:\n${names.map((n) => entryText(n, lock.stages[n]!)).join('')}`;
  return `version: ${lock.version}\n${stages}${dataText(lock.data ?? [])}`;
}

/** `data:` as one flow map per path, sorted; nothing at all when no data is tracked (older locks stay byte-identical). */
function dataText(data: LockedPath[]): string {
  if (data.length === 0) return '';
  const doc = new (lazyYaml().Document)({ data: sortedBy(data, (d) => d.path).map(orderedPath) });
  const seq = doc.get('data', true) as { items: { flow?: boolean }[] };
  for (const item of seq.items) item.flow = true;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * The lock is rewritten after every stage; re-serializing all entries each time made a 1,000-stage
 * first run quadratic (~50 s of YAML emitting). Each entry's text is kept until the entry is replaced.
 */
const entryTexts = new WeakMap<LockEntry, { name: string; text: string }>();

function entryText(name: string, entry: LockEntry): string {
  const hit = entryTexts.get(entry);
  if (hit?.name === name) return hit.text;
  const doc = new (lazyYaml().Document)({ [name]: orderedEntry(entry) }, { customTags: [decimalTextTag] });
  for (const key of ['deps', 'outs']) {
    const seq = doc.getIn([name, key], true) as { items?: { flow?: boolean }[] } | undefined;
    for (const item of seq?.items ?? []) item.flow = true;
  }
  const params = doc.getIn([name, 'params'], true) as { items?: { value?: { flow?: boolean } }[] } | undefined;
  for (const pair of params?.items ?? []) if (pair.value) pair.value.flow = true;
  const env = doc.getIn([name, 'env'], true) as { flow?: boolean } | undefined;
  if (env) env.flow = true;
  const text = doc
    .toString({ lineWidth: 0, flowCollectionPadding: false })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  entryTexts.set(entry, { name, text });
  return text;
}

/** The entry in lock order: everything sorted, every section present (as a parsed lock has them). */
function canonicalEntry(e: LockEntry): LockEntry {
  const sortedMap = <T>(m: Record<string, T>) => Object.fromEntries(Object.keys(m).sort(compareStrings).map((k) => [k, m[k]!]));
  return {
    cmd: e.cmd,
    deps: sortedBy(e.deps, (d) => d.path).map(orderedPath),
    params: Object.fromEntries(Object.keys(e.params).sort(compareStrings).map((f) => [f, sortedMap(e.params[f]!)])),
    env: sortedMap(e.env),
    outs: sortedBy(e.outs, (o) => o.path).map(orderedPath),
  };
}

/** As written: empty sections are left out. */
function orderedEntry(e: LockEntry): Record<string, unknown> {
  const c = canonicalEntry(e);
  const out: Record<string, unknown> = { cmd: c.cmd };
  if (c.deps.length) out.deps = c.deps;
  if (Object.keys(c.params).length) out.params = c.params;
  if (Object.keys(c.env).length) out.env = c.env;
  if (c.outs.length) out.outs = c.outs;
  return out;
}

function orderedPath(p: LockedPath): LockedPath {
  return p.nfiles === undefined
    ? { path: p.path, sha256: p.sha256, size: p.size }
    : { path: p.path, sha256: p.sha256, size: p.size, nfiles: p.nfiles };
}

/** Atomic (temp + rename): a crash leaves the previous lock, never a torn one, and its temp file in `tmpDir`. */
export function writeLock(path: string, lock: LockFile, tmpDir?: string): void {
  writeFileAtomic(path, serializeLock(lock), tmpDir === undefined ? {} : { tmpDir });
}

/**
 * Records the lock as the parse of its text, so the next command does not parse what was just written.
 * Once per command, not per stage: on 1,000 stages doing it per stage cost ~2 s of JSON.
 */
export function primeLockMemo(lock: LockFile, memoFile: string): void {
  const names = Object.keys(lock.stages).sort(compareStrings);
  const stages = Object.fromEntries(names.map((n) => [n, canonicalEntry(lock.stages[n]!)]));
  const data = sortedBy(lock.data ?? [], (d) => d.path).map(orderedPath);
  primeMemo(serializeLock(lock), memoFile, data.length ? { stages, data } : { stages });
}
