import { getDotted } from './params.js';
import { interpolate, type Lookup } from './interpolate.js';
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

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const WHOLE_REF = /^\$\{\s*([^}\s]+)\s*\}$/;

/** A `foreach`/`matrix` value given as `${var}`, resolved to the list or map it names. */
function resolveCollection(value: unknown, lookup: Lookup, path: PathSegment[], problems: TemplateProblem[]): unknown {
  if (typeof value !== 'string') return value;
  const ref = WHOLE_REF.exec(value);
  const hit = ref ? lookup(ref[1]!) : { found: false as const };
  if (!hit.found || hit.value === null || typeof hit.value !== 'object') {
    problems.push({ path, message: `${value} must name a list or a map defined in params.yaml or vars` });
    return undefined;
  }
  return hit.value;
}

export function expandDefinition(name: string, def: StageDefinition, lookup: Lookup): { stages: GeneratedStage[]; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const base: PathSegment[] = ['stages', name];
  if ('foreach' in def) {
    const f = def as ForeachStage;
    const items = resolveCollection(f.foreach, lookup, [...base, 'foreach'], problems);
    const stages: GeneratedStage[] = [];
    if (Array.isArray(items)) {
      items.forEach((item, i) => stages.push({ name: `${name}@${isScalar(item) ? String(item) : i}`, body: f.do, base: [...base, 'do'], locals: { item } }));
    } else if (items && typeof items === 'object') {
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
      combos = combos.flatMap((c) => values.map((v, i) => ({ values: { ...c.values, [dim]: v }, suffix: [...c.suffix, isScalar(v) ? String(v) : String(i)] })));
    }
    return { stages: combos.map((c) => ({ name: `${name}@${c.suffix.join('-')}`, body, base, locals: { item: c.values } })), problems };
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
