import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseMemoPath, stateDirOf } from '../constants.js';
import { stateRootOf } from '../util/repo-root.js';
import { ConfigError, errnoCode } from '../errors.js';
import { DecimalText } from '../util/decimal-text.js';
import { parseExact } from '../util/parse-exact.js';
import { parseWithMemo } from '../util/parse-memo.js';
import { isSameOrInside, relPosix } from '../util/paths.js';
import type { ParamsRef } from './types.js';
import { formatPos } from './types.js';
import { readText } from '../util/read-text.js';

/** Flattened param values of one stage: `{ 'params.yaml': { 'train.C': 1 } }`. */
export type ParamValues = Record<string, Record<string, unknown>>;

/** Reads params files (YAML or JSON) once per command and answers dotted-key look-ups. */
export class ParamsReader {
  /** Parsed exactly (see util/parse-exact.ts): what stages are fingerprinted with. */
  private readonly files = new Map<string, unknown>();
  /** The same with DecimalText as its text: what `${…}` templates see. */
  private readonly plain = new Map<string, unknown>();

  /** `readText` reads a params file by its root-relative path; by default from the workspace. */
  /**
   * `memoFor` names where a params file's parse may be memoized (see util/parse-memo.ts); without it every
   * read parses (other revisions, tests).
   */
  constructor(
    private readonly root: string,
    private readonly readText: (file: string) => string | undefined = (file) => readWorkspaceFile(root, file),
    private readonly memoFor?: (file: string) => string,
  ) {}

  /**
   * The parsed file for templates, or undefined when it does not exist. A number a double cannot hold
   * exactly is its text (a string), so `${big}` in a cmd is what was written.
   */
  tryRead(file: string): unknown {
    if (!this.plain.has(file)) this.plain.set(file, decimalsAsText(this.tryReadExact(file)));
    return this.plain.get(file);
  }

  /** The parsed file with every number exact (DecimalText where a double would round), or undefined. */
  private tryReadExact(file: string): unknown {
    if (this.files.has(file)) return this.files.get(file);
    const text = this.readText(file);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = extname(file) === '.json' ? parseExact(text, true) : parseWithMemo(text, this.memoFor?.(file), (t) => parseExact(t));
    } catch (err) {
      throw new ConfigError(`${file}: cannot parse params file: ${(err as Error).message}`, {
        hint: `fix the syntax of ${file}; nothing was run`,
        cause: err,
      });
    }
    this.files.set(file, data ?? {});
    return data ?? {};
  }

  /** Forget the files at or under `path`: a stage just wrote that out, and it may hold params files. */
  invalidate(path: string): void {
    for (const file of this.files.keys()) {
      if (isSameOrInside(file, path)) {
        this.files.delete(file);
        this.plain.delete(file);
      }
    }
  }

  /**
   * The values a stage depends on, flattened to leaves. Throws ConfigError naming file and key, unless
   * `lenient` (comparing revisions), where what is missing is simply left out.
   */
  valuesFor(refs: ParamsRef[], stageName: string, lenient = false): ParamValues {
    const out: ParamValues = {};
    for (const ref of refs) {
      const data = this.tryReadExact(ref.file);
      // A function: locating the entry in pipeline.yaml parses it, which only an error should pay for.
      const where = () => (ref.pos ? `${formatPos(ref.pos)} ` : '');
      if (data === undefined && lenient) continue;
      if (data === undefined) {
        throw new ConfigError(`${where()}params file ${ref.file} (stage ${stageName}) does not exist`, {
          hint: `create ${ref.file} or fix the params entry of stage ${stageName}`,
        });
      }
      const values: Record<string, unknown> = {};
      if (ref.keys === null) {
        flattenInto(values, '', data);
      } else {
        for (const key of ref.keys) {
          const hit = getDotted(data, key);
          if (!hit.found && lenient) continue;
          if (!hit.found) {
            throw new ConfigError(`${where()}param ${key} (stage ${stageName}) is not defined in ${ref.file}`, {
              hint: `add ${key} to ${ref.file} or remove it from the params of stage ${stageName}`,
            });
          }
          flattenInto(values, key, hit.value);
        }
      }
      out[ref.file] = { ...(out[ref.file] ?? {}), ...values };
    }
    return out;
  }
}

/** Where the workspace's params files (relative to `root`) may memoize their parse: only once `.lockstep/` exists. */
export function paramsMemo(root: string): ((file: string) => string) | undefined {
  if (!existsSync(stateDirOf(root))) return undefined;
  const stateRoot = stateRootOf(root);
  return (file) => parseMemoPath(stateRoot, `params-${relPosix(stateRoot, join(root, file))}`);
}

function readWorkspaceFile(root: string, file: string): string | undefined {
  try {
    return readText(join(root, file));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function getDotted(data: unknown, key: string): { found: true; value: unknown } | { found: false } {
  let node: unknown = data;
  for (const part of key.split('.')) {
    if (!isMapping(node) || !(part in node)) {
      return { found: false };
    }
    node = (node as Record<string, unknown>)[part];
  }
  return { found: true, value: node };
}

/** A YAML mapping: not a list, and not a number kept as DecimalText. */
const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof DecimalText);

/** Objects become dotted leaves; arrays and scalars are leaves, so `grid: [1, 2]` compares as one value. */
function flattenInto(out: Record<string, unknown>, prefix: string, value: unknown): void {
  if (isMapping(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = {};
    for (const [k, v] of entries) flattenInto(out, prefix ? `${prefix}.${k}` : k, v);
    return;
  }
  if (prefix) out[prefix] = value;
}

/** A copy with every DecimalText replaced by its text; the value itself when it holds none. */
function decimalsAsText(value: unknown): unknown {
  if (value instanceof DecimalText) return value.text;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map(decimalsAsText);
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const mapped = entries.map(([k, v]) => [k, decimalsAsText(v)] as const);
  return mapped.some(([, v], i) => v !== entries[i]![1]) ? Object.fromEntries(mapped) : value;
}
