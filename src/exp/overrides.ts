import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DEFAULT_PARAMS_FILE, tmpDirOf } from '../constants.js';
import { ConfigError, UsageError } from '../errors.js';
import { getDotted, ParamsReader } from '../pipeline/params.js';
import type { Pipeline } from '../pipeline/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { DecimalText, displayValue } from '../util/decimal-text.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { decimalTextTag, parseExact } from '../util/parse-exact.js';

/** One `-S [FILE:]KEY=V1,V2…` as written: a comma list makes it a sweep axis. */
export interface OverrideSpec {
  file?: string;
  key: string;
  /** Each value as typed; parsed as a YAML scalar. */
  values: string[];
}

/** One param set to one value in one params file. */
export interface Override {
  file: string;
  key: string;
  value: unknown;
}

/** One variant of a sweep: the overrides it runs with. */
export type Variant = Override[];

/** Splits on commas outside brackets and quotes, so `-S grid=[1,2]` stays one value. */
function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

/** `train.C=0.1,1` or `other.yaml:train.C=0.1`. */
export function parseSetArg(arg: string): OverrideSpec {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`-S ${arg}: expected [FILE:]KEY=VALUE`, { hint: 'e.g. -S train.C=0.1 or -S train.C=0.1,1,10 for a sweep' });
  const lhs = arg.slice(0, eq);
  const colon = lhs.lastIndexOf(':');
  const file = colon > 0 ? lhs.slice(0, colon) : undefined;
  const key = colon > 0 ? lhs.slice(colon + 1) : lhs;
  if (!key || key.split('.').some((part) => part === '')) throw new UsageError(`-S ${arg}: '${key}' is not a param key`, { hint: 'keys are dotted paths such as train.C' });
  const values = splitValues(arg.slice(eq + 1));
  if (values.some((v) => v.trim() === '')) throw new UsageError(`-S ${arg}: an empty value`, { hint: "write an empty string as ''" });
  return { ...(file === undefined ? {} : { file }), key, values };
}

/** A value typed on the command line, as YAML reads it: `0.1` a number, `none` a string, `true` a boolean. */
export function parseValue(text: string): unknown {
  return parseExact(text);
}

/**
 * The params file that defines each spec's key: the one named, else params.yaml, else the one other params
 * file the stages read that defines it. A key no file defines is refused: a typo must not run a sweep of
 * identical variants.
 */
export function resolveSpecs(pipeline: Pipeline, specs: OverrideSpec[]): Required<OverrideSpec>[] {
  const reader = new ParamsReader(pipeline.root);
  const files = [...new Set([DEFAULT_PARAMS_FILE, ...pipeline.stages.flatMap((s) => s.params.map((p) => p.file))])];
  return specs.map((spec) => {
    const candidates = spec.file ? [spec.file] : files;
    const defining = candidates.filter((f) => getDotted(reader.tryRead(f), spec.key).found);
    if (spec.file && reader.tryRead(spec.file) === undefined) {
      throw new ConfigError(`params file ${spec.file} does not exist`, { hint: `name an existing params file, e.g. -S ${DEFAULT_PARAMS_FILE}:${spec.key}=…` });
    }
    const file = defining[0];
    if (file === undefined) {
      throw new ConfigError(`param ${spec.key} is not defined in ${candidates.join(' or ')}`, {
        hint: `check the spelling, or add ${spec.key} to a params file first; experiments change params, they do not add them`,
      });
    }
    return { file, key: spec.key, values: spec.values };
  });
}

/** The grid: every combination of the specs' values, in the order written (the last spec varies fastest). */
export function expandGrid(specs: Required<OverrideSpec>[]): Variant[] {
  let variants: Variant[] = [[]];
  for (const spec of specs) {
    variants = variants.flatMap((v) => spec.values.map((text) => [...v.filter((o) => o.file !== spec.file || o.key !== spec.key), { file: spec.file, key: spec.key, value: parseValue(text) }]));
  }
  return variants;
}

/** `train.C=0.1 train.class_weight=balanced`, for progress lines and tables. */
export function describeVariant(variant: Variant): string {
  return variant.map((o) => `${o.file === DEFAULT_PARAMS_FILE ? '' : `${o.file}:`}${o.key}=${displayValue(o.value)}`).join(' ');
}

/**
 * Writes the overrides into the params files under `root`, keeping comments, key order and the other
 * values as written (YAML is edited as a document, not re-dumped).
 */
export function applyOverrides(root: string, overrides: Override[]): void {
  const byFile = new Map<string, Override[]>();
  for (const o of overrides) byFile.set(o.file, [...(byFile.get(o.file) ?? []), o]);
  for (const [file, list] of byFile) {
    const abs = join(root, file);
    const text = readFileSync(abs, 'utf8');
    writeFileAtomic(abs, extname(file) === '.json' ? editJson(text, list) : editYaml(text, list, file), { tmpDir: tmpDirOf(root) });
  }
}

/**
 * Replaces each overridden scalar's text where it stands, so spacing, comments and number formats of
 * everything else stay byte for byte. A key that holds a mapping or list is set through the document.
 */
function editYaml(text: string, overrides: Override[], file: string): string {
  const yaml = lazyYaml();
  const doc = yaml.parseDocument(text, { customTags: [decimalTextTag] });
  if (doc.errors.length) throw new ConfigError(`${file}: cannot parse params file: ${doc.errors[0]!.message}`, { hint: `fix the syntax of ${file}` });
  const edits: { start: number; end: number; text: string }[] = [];
  for (const o of overrides) {
    const node = doc.getIn(o.key.split('.'), true);
    if (!yaml.isScalar(node) || !node.range) {
      doc.setIn(o.key.split('.'), o.value);
      return editYaml(doc.toString(), overrides.filter((x) => x !== o), file);
    }
    edits.push({ start: node.range[0], end: node.range[1], text: yamlText(o.value) });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = `${out.slice(0, e.start)}${e.text}${out.slice(e.end)}`;
  return out;
}

/** A value as one line of YAML: scalars plain or quoted as needed, lists and maps in flow style. */
function yamlText(value: unknown): string {
  if (value instanceof DecimalText) return value.text;
  const yaml = lazyYaml();
  const doc = new yaml.Document(value);
  if (yaml.isCollection(doc.contents)) doc.contents.flow = true;
  return doc.toString({ lineWidth: 0 }).trimEnd();
}

function editJson(text: string, overrides: Override[]): string {
  const data = JSON.parse(text) as Record<string, unknown>;
  for (const o of overrides) {
    const parts = o.key.split('.');
    let node = data;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[parts.at(-1)!] = o.value;
  }
  return `${JSON.stringify(data, null, 2)}\n`;
}
