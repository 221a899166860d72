import { existsSync, readFileSync } from 'node:fs';
import { extname, join, posix } from 'node:path';
import { parseMemoPath, stateDirOf } from '../constants.js';
import { stateRootOf } from '../util/repo-root.js';
import { ConfigError, errnoCode } from '../errors.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { parseWithMemo } from '../util/parse-memo.js';
import { normalizeRel, relPosix } from '../util/paths.js';
import { getDotted } from './params.js';
import { floatsAsText } from './python-text.js';
import type { VarsList } from './schema.js';
import type { TemplateProblem } from './templates.js';
import type { PathSegment } from './yaml-positions.js';

/**
 * The values `${…}` can name, as DVC builds them: params.yaml (when there is one), then the entries of
 * `vars` in order — a file (`file.yaml`, or `file.yaml:key1,key2` for some of its keys) or an inline
 * map — merged key by key. Maps merge; a key defined twice is an error naming both sources (DVC's
 * MergeError), never a silent override.
 */
export class VarsScope {
  private constructor(
    readonly values: Record<string, unknown>,
    /** Dotted key → where it was defined, for the conflict message. */
    private readonly sources: Map<string, string>,
    /** Files already merged whole: listing one again is allowed and changes nothing (as DVC). */
    private readonly wholeFiles: Set<string>,
  ) {}

  static empty(): VarsScope {
    return new VarsScope({}, new Map(), new Set());
  }

  /** A copy for one stage's own `vars`, so they never leak into other stages. */
  clone(): VarsScope {
    return new VarsScope(structuredClone(this.values), new Map(this.sources), new Set(this.wholeFiles));
  }

  hasWholeFile(file: string): boolean {
    return this.wholeFiles.has(file);
  }

  /** Merges a whole file, unless it was merged whole before. */
  addFile(file: string, data: Record<string, unknown>, path: PathSegment[], problems: TemplateProblem[]): void {
    if (this.wholeFiles.has(file)) return;
    this.wholeFiles.add(file);
    this.merge(this.values, data, '', file, path, problems);
  }

  add(data: Record<string, unknown>, source: string, path: PathSegment[], problems: TemplateProblem[]): void {
    this.merge(this.values, data, '', source, path, problems);
  }

  private merge(into: Record<string, unknown>, update: Record<string, unknown>, prefix: string, source: string, path: PathSegment[], problems: TemplateProblem[]): void {
    for (const [key, value] of Object.entries(update)) {
      const dotted = prefix ? `${prefix}.${key}` : key;
      // Own properties only, defined rather than assigned: a key named `__proto__` is data, never a prototype.
      const current = Object.hasOwn(into, key) ? into[key] : undefined;
      if (isMap(current) && isMap(value)) {
        this.merge(current, value, dotted, source, path, problems);
        continue;
      }
      if (Object.hasOwn(into, key)) {
        problems.push({ path, message: `cannot redefine '${dotted}' from ${source}: it is already defined in ${this.sourceOf(dotted)}` });
        continue;
      }
      Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
      this.sources.set(dotted, source);
    }
  }

  private sourceOf(dotted: string): string {
    for (let key = dotted; ; key = key.slice(0, key.lastIndexOf('.'))) {
      const found = this.sources.get(key);
      if (found) return found;
      if (!key.includes('.')) break;
    }
    // A map whose leaves came from several places: name the first of them.
    for (const [key, source] of this.sources) if (key.startsWith(`${dotted}.`)) return source;
    return 'another vars entry';
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Merges the entries of a `vars` list into `scope`; files are read relative to `dir` (the root, or a stage's wdir). */
export function loadVars(list: VarsList, dir: string, files: TemplateFiles, scope: VarsScope, path: PathSegment[], problems: TemplateProblem[]): void {
  list.forEach((entry, i) => {
    const at = [...path, i];
    if (typeof entry !== 'string') {
      scope.add(entry, formatVarsEntry(path, i), at, problems);
      return;
    }
    const [file, keys] = splitEntry(entry);
    const rel = normalizeRel(posix.join(dir, file));
    // Some keys of a file already merged whole (`params.yaml:train`) add nothing: not a conflict with itself.
    if (scope.hasWholeFile(rel)) return;
    const data = files.tryRead(rel);
    if (!isMap(data)) {
      problems.push({ path: at, message: `vars file ${rel} does not exist or is not a map` });
      return;
    }
    if (!keys) {
      scope.addFile(rel, data, at, problems);
      return;
    }
    const picked: Record<string, unknown> = {};
    for (const key of keys) {
      const hit = getDotted(data, key);
      if (!hit.found) problems.push({ path: at, message: `${key} is not defined in ${rel}` });
      else picked[key] = hit.value;
    }
    scope.add(picked, rel, at, problems);
  });
}

const formatVarsEntry = (path: PathSegment[], i: number) => `${path.filter((p) => typeof p === 'string').join('.')}[${i}]`;

/** `params.yaml:train,seed` → ['params.yaml', ['train', 'seed']]. A colon inside a Windows path is not a concern here. */
function splitEntry(entry: string): [string, string[] | undefined] {
  const colon = entry.lastIndexOf(':');
  if (colon <= 0) return [entry, undefined];
  return [entry.slice(0, colon), entry.slice(colon + 1).split(',').map((k) => k.trim()).filter(Boolean)];
}

/**
 * Params and vars files as templates see them: YAML merge keys (`<<: *base`) applied and floats kept as
 * Python prints them (see python-text.ts). Separate from ParamsReader, whose values are compared as
 * numbers. Paths are relative to the pipeline folder.
 */
export class TemplateFiles {
  private readonly cache = new Map<string, unknown>();

  /** Files are read under `root`; parses are memoized in the repository's `.lockstep/`, when there is one. */
  constructor(private readonly root: string) {}

  tryRead(file: string): unknown {
    if (this.cache.has(file)) return this.cache.get(file);
    let text: string;
    try {
      text = readFileSync(join(this.root, file), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    const stateRoot = stateRootOf(this.root);
    const memo = existsSync(stateDirOf(stateRoot)) ? parseMemoPath(stateRoot, `vars-${relPosix(stateRoot, join(this.root, file))}`) : undefined;
    let data: unknown;
    try {
      data = extname(file) === '.json' ? JSON.parse(text) : parseWithMemo(text, memo, parseTemplateYaml);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`${file}: cannot parse params file: ${(err as Error).message}`, { hint: `fix the syntax of ${file}; nothing was run`, cause: err });
    }
    this.cache.set(file, data ?? {});
    return data ?? {};
  }
}

function parseTemplateYaml(text: string): unknown {
  const doc = lazyYaml().parseDocument(text, { merge: true, prettyErrors: false });
  if (doc.errors.length) throw doc.errors[0]!;
  floatsAsText(doc.contents);
  return doc.toJS();
}
