import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { LOCKSTEP_DIR, parseMemoPath } from '../constants.js';
import { ConfigError, errnoCode } from '../errors.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { parseWithMemo } from '../util/parse-memo.js';
import type { ParamsRef } from './types.js';
import { formatPos } from './types.js';

/** Flattened param values of one stage: `{ 'params.yaml': { 'train.C': 1 } }`. */
export type ParamValues = Record<string, Record<string, unknown>>;

/** Reads params files (YAML or JSON) once per command and answers dotted-key look-ups. */
export class ParamsReader {
  private readonly files = new Map<string, unknown>();

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

  /** The parsed file, or undefined when it does not exist. */
  tryRead(file: string): unknown {
    if (this.files.has(file)) return this.files.get(file);
    const text = this.readText(file);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = extname(file) === '.json' ? JSON.parse(text) : parseWithMemo(text, this.memoFor?.(file), (t) => lazyYaml().parse(t, { merge: true }));
    } catch (err) {
      throw new ConfigError(`${file}: cannot parse params file: ${(err as Error).message}`, {
        hint: `fix the syntax of ${file}; nothing was run`,
        cause: err,
      });
    }
    this.files.set(file, data ?? {});
    return data ?? {};
  }

  /** Forget what was read, e.g. after a stage that writes a params file. */
  invalidate(file?: string): void {
    if (file === undefined) this.files.clear();
    else this.files.delete(file);
  }

  /**
   * The values a stage depends on, flattened to leaves. Throws ConfigError naming file and key, unless
   * `lenient` (comparing revisions), where what is missing is simply left out.
   */
  valuesFor(refs: ParamsRef[], stageName: string, lenient = false): ParamValues {
    const out: ParamValues = {};
    for (const ref of refs) {
      const data = this.tryRead(ref.file);
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

/** Where the workspace's params files may memoize their parse: only once `.lockstep/` exists. */
export function paramsMemo(root: string): ((file: string) => string) | undefined {
  if (!existsSync(join(root, LOCKSTEP_DIR))) return undefined;
  return (file) => parseMemoPath(root, `params-${file}`);
}

function readWorkspaceFile(root: string, file: string): string | undefined {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function getDotted(data: unknown, key: string): { found: true; value: unknown } | { found: false } {
  let node: unknown = data;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(part in node)) {
      return { found: false };
    }
    node = (node as Record<string, unknown>)[part];
  }
  return { found: true, value: node };
}

/** Objects become dotted leaves; arrays and scalars are leaves, so `grid: [1, 2]` compares as one value. */
function flattenInto(out: Record<string, unknown>, prefix: string, value: unknown): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = {};
    for (const [k, v] of entries) flattenInto(out, prefix ? `${prefix}.${k}` : k, v);
    return;
  }
  if (prefix) out[prefix] = value;
}
