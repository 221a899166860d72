import { getDotted } from './params.js';
import { interpolate, type Lookup, type Scalar } from './interpolate.js';
import { pythonText } from './python-text.js';
import type { ForeachStage, MatrixStage, StageDefinition, WrittenStage } from './schema.js';
import type { PathSegment } from './yaml-positions.js';

/**
 * DVC's templating: `foreach`/`do` and `matrix` expand one definition into generated stages named
 * `name@item` (`name@key` for a map, `name@a-b` for a matrix; non-scalar values use their index), and
 * `${…}` is substituted in every string of a stage. Pure: values come through the lookup.
 */
export interface GeneratedStage {
  name: string;
  body: WrittenStage;
  /** Where the body is written, for positions in messages. */
  base: PathSegment[];
  /** `item` and `key` of this generated stage. */
  locals: Record<string, unknown>;
}

export interface TemplateProblem {
  path: PathSegment[];
  message: string;
}

const isCollection = (v: unknown) => v !== null && typeof v === 'object';
const WHOLE_REF = /^\$\{\s*([^}\s]+)\s*\}$/;

/**
 * `${…}` resolved inside a foreach/matrix value, as DVC resolves it: a string that is exactly one `${var}`
 * becomes the value itself (a list, a map, a number), other strings are interpolated, lists and maps are
 * resolved entry by entry.
 */
function resolveValue(value: unknown, lookup: Lookup, path: PathSegment[], problems: TemplateProblem[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const ref = WHOLE_REF.exec(value);
    if (ref) {
      const hit = lookup(ref[1]!);
      if (hit.found) return hit.value;
    }
    const r = interpolate(value, lookup, false);
    if (r.ok) return r.value;
    for (const p of r.problems) problems.push({ path, message: p.message });
    return undefined;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, lookup, [...path, i], problems));
  if (isCollection(value)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [resolveValue(k, lookup, path, problems), resolveValue(v, lookup, [...path, k], problems)]),
    );
  }
  return value;
}

/** A `foreach`/`matrix` value resolved to the list (or, for foreach, map) it must be. */
function resolveCollection(value: unknown, lookup: Lookup, path: PathSegment[], problems: TemplateProblem[]): unknown {
  const before = problems.length;
  const resolved = resolveValue(value, lookup, path, problems);
  if (problems.length > before) return undefined;
  if (!isCollection(resolved)) {
    problems.push({ path, message: `${String(value)} must name a list or a map defined in params.yaml or vars` });
    return undefined;
  }
  return resolved;
}

/** DVC's name for one value: its text, or `<prefix><index>` when it is a list or a map. */
const fragment = (value: unknown, prefix: string, index: number) =>
  isCollection(value) ? `${prefix}${index}` : pythonText(value as Scalar);

export function expandDefinition(name: string, def: StageDefinition, lookup: Lookup): { stages: GeneratedStage[]; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const base: PathSegment[] = ['stages', name];
  if ('foreach' in def) {
    const f = def as ForeachStage;
    const items = resolveCollection(f.foreach, lookup, [...base, 'foreach'], problems);
    const stages: GeneratedStage[] = [];
    if (Array.isArray(items)) {
      // As DVC: when any item is a list or a map, every item is named by its index.
      const byIndex = items.some(isCollection);
      items.forEach((item, i) => stages.push({ name: `${name}@${byIndex ? i : pythonText(item as Scalar)}`, body: f.do, base: [...base, 'do'], locals: { item } }));
    } else if (items) {
      for (const [key, item] of Object.entries(items)) stages.push({ name: `${name}@${key}`, body: f.do, base: [...base, 'do'], locals: { key, item } });
    }
    return { stages, problems };
  }
  if ('matrix' in def) {
    const { matrix, ...body } = def as MatrixStage;
    let combos: { values: Record<string, unknown>; suffix: string[] }[] = [{ values: {}, suffix: [] }];
    for (const [dim, raw] of Object.entries(matrix)) {
      const values = resolveCollection(raw, lookup, [...base, 'matrix', dim], problems);
      if (!Array.isArray(values)) {
        if (values !== undefined) problems.push({ path: [...base, 'matrix', dim], message: 'must be a list of values' });
        return { stages: [], problems };
      }
      combos = combos.flatMap((c) => values.map((v, i) => ({ values: { ...c.values, [dim]: v }, suffix: [...c.suffix, fragment(v, dim, i)] })));
    }
    // `${key}` is the generated name's suffix and `${item}` the combination, as DVC defines them.
    return {
      stages: combos.map((c) => {
        const key = c.suffix.join('-');
        return { name: `${name}@${key}`, body, base, locals: { key, item: c.values } };
      }),
      problems,
    };
  }
  return { stages: [{ name, body: def as WrittenStage, base, locals: {} }], problems };
}

/** Lookups tried in order: the generated stage's item/key, then the stage's vars, then the global ones. */
export function chainLookup(locals: Record<string, unknown>, ...scopes: Record<string, unknown>[]): Lookup {
  return (key) => {
    for (const scope of [locals, ...scopes]) {
      const hit = getDotted(scope, key);
      if (hit.found) return hit;
    }
    return { found: false };
  };
}

/** `${…}` substituted in every string of the body: shell-quoted in `cmd`, as-is in paths and keys. */
export function substituteBody(body: WrittenStage, lookup: Lookup): { body: WrittenStage; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const sub = (text: string, path: PathSegment[], quote = false): string => {
    if (!text.includes('${')) return text;
    const r = interpolate(text, lookup, quote);
    if (r.ok) return r.value;
    for (const p of r.problems) problems.push({ path, message: p.message });
    return text;
  };
  type Entry = string | Record<string, unknown>;
  const entries = <T extends Entry>(list: T[] | undefined, key: string): T[] | undefined =>
    list?.map((e, i) =>
      typeof e === 'string' ? (sub(e, [key, i]) as T) : (Object.fromEntries(Object.entries(e).map(([k, v]) => [sub(k, [key, i]), subDeep(v, [key, i])])) as T),
    );
  const subDeep = (v: unknown, path: PathSegment[]): unknown =>
    typeof v === 'string' ? sub(v, path) : Array.isArray(v) ? v.map((x, i) => subDeep(x, [...path, i])) : v;
  const out: WrittenStage = {
    ...body,
    cmd: typeof body.cmd === 'string' ? sub(body.cmd, ['cmd'], true) : body.cmd.map((c, i) => sub(c, ['cmd', i], true)),
  };
  if (body.wdir !== undefined) out.wdir = sub(body.wdir, ['wdir']);
  if (body.desc !== undefined) out.desc = sub(body.desc, ['desc']);
  if (body.deps) out.deps = body.deps.map((d, i) => sub(d, ['deps', i]));
  if (body.outs) out.outs = entries(body.outs, 'outs');
  if (body.metrics) out.metrics = entries(body.metrics, 'metrics');
  if (body.plots) out.plots = entries(body.plots, 'plots');
  if (body.params) out.params = entries(body.params as Entry[], 'params') as WrittenStage['params'];
  return { body: out, problems };
}
