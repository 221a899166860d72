import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_PARAMS_FILE, LOCK_FILE, parseMemoPath, stateDirOf } from '../constants.js';
import { ConfigError, errnoCode } from '../errors.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { parseWithMemo } from '../util/parse-memo.js';
import { dict } from '../util/dict.js';
import { normalizeRel, relPosix } from '../util/paths.js';
import { repoRootOf, stateRootOf } from '../util/repo-root.js';
import { floatsAsText } from './python-text.js';
import { MISSING_CMD, pipelineSchemas, stageSchemaFor, type WrittenGate, type WrittenPipeline } from './schema.js';
import { chainLookup, expandDefinition, substituteBody, type TemplateProblem } from './templates.js';
import { loadVars, TemplateFiles, VarsScope } from './vars.js';
import type { Pipeline, Stage } from './types.js';
import { formatPos } from './types.js';
import { normalizeStage, type Problem } from './normalize-stage.js';
import { formatPath, type PathSegment, YamlPositions } from './yaml-positions.js';
import { readText } from '../util/read-text.js';

/** `dvc.yaml` gets its own lock name so we never clobber DVC's `dvc.lock`. */
export function lockFileFor(pipelineFile: string): string {
  const name = basename(pipelineFile);
  if (name === 'pipeline.yaml' || name === 'pipeline.yml') return join(dirname(pipelineFile), LOCK_FILE);
  if (name === 'dvc.yaml') return join(dirname(pipelineFile), 'dvc.lockstep.lock');
  return join(dirname(pipelineFile), name.replace(/\.ya?ml$/, '') + '.lock');
}


/**
 * pipeline.yaml → YAML document → zod written shape → normalized Pipeline. Every problem in the file is
 * collected and reported in one ConfigError, each as `pipeline.yaml:12:5 stages.train.deps[1]: …`.
 */
export interface LoadOptions {
  /** How messages and targets name the file (default: its name). */
  label?: string;
}

export function loadPipeline(pipelineFile: string, { label = basename(pipelineFile) }: LoadOptions = {}): Pipeline {
  const file = resolve(pipelineFile);
  const root = dirname(file);
  const state = stateRootOf(root);
  let text: string;
  try {
    text = readText(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new ConfigError(`${pipelineFile} not found`, {
        hint: 'run lockstep in a directory with a pipeline.yaml, or pass one with -f FILE',
      });
    }
    throw err;
  }

  let source: YamlSource | undefined;
  const parse = () => (source ??= parseYamlSource(text));
  const positions = new YamlPositions(parse, label);
  // Named by the path from the state root: every pipeline of the repository memoizes there.
  const memo = existsSync(stateDirOf(state)) ? parseMemoPath(state, relPosix(state, file)) : undefined;
  // Only a file that parsed *and* validated is memoized, so a memo hit needs neither yaml nor zod.
  const written = parseWithMemo(text, memo, () => {
    const { doc } = parse();
    failOnSyntax(label, doc, positions);
    templateFloatsAsText(doc);
    const raw = (doc.toJS() ?? {}) as { stages?: unknown };
    if (raw === null || typeof raw !== 'object' || Object.keys(raw).length === 0) {
      throw new ConfigError(`${label} has no stages (and no metrics, plots or params): it is empty`, {
        hint: `add a stages: section to ${label}, or pass another file with -f FILE`,
      });
    }
    const parsed = pipelineSchemas().writtenPipeline.safeParse(raw);
    const all: Problem[] = parsed.success ? [] : zodProblems(parsed.error.issues, positions);
    // Every stage is checked even when the file has other problems, so all are reported at once.
    const stagesOut = dict<unknown>();
    const rawStages = raw.stages && typeof raw.stages === 'object' ? (raw.stages as Record<string, unknown>) : {};
    for (const [name, def] of Object.entries(rawStages)) {
      if (!def || typeof def !== 'object' || Array.isArray(def)) continue;
      const r = stageSchemaFor(def as Record<string, unknown>).safeParse(def);
      if (r.success) stagesOut[name] = r.data;
      else all.push(...zodProblems(r.error.issues.map((i: Issue) => ({ ...i, path: ['stages', name, ...i.path] }) as Issue), positions));
    }
    if (all.length || !parsed.success) fail(label, all);
    return { ...parsed.data, stages: stagesOut };
  }) as WrittenPipeline;

  const problems: Problem[] = [];
  const stages = expandStages(written, root, label, new TemplateFiles(root), positions, problems);
  if (problems.length) fail(label, problems);

  return {
    file,
    root,
    repoRoot: repoRootOf(root),
    lockFile: lockFileFor(file),
    stages,
    metrics: (written.metrics ?? []).map(normalizeRel),
    gates: written.gates ?? {},
    data: (written.data ?? []).map((p, i) => ({ path: normalizeRel(p), pos: positions.lazy(['data', i]) })),
  };
}

type YamlSource = { doc: Document; lines: LineCounter };

function parseYamlSource(text: string): YamlSource {
  const yaml = lazyYaml();
  const lines = new yaml.LineCounter();
  return { doc: yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true }), lines };
}

function failOnSyntax(label: string, doc: Document, positions: YamlPositions): void {
  if (doc.errors.length) {
    fail(label, doc.errors.map((e) => ({ pos: positions.pos(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? '' })));
  }
}

/** The values templates print (vars, foreach and matrix items) keep their floats as Python prints them. */
function templateFloatsAsText(doc: Document): void {
  floatsAsText(doc.get('vars', true) as Node | undefined);
  const stages = doc.get('stages', true);
  if (!lazyYaml().isMap(stages)) return;
  for (const pair of stages.items) {
    const def = pair.value;
    if (!lazyYaml().isMap(def)) continue;
    for (const key of ['vars', 'foreach', 'matrix']) floatsAsText(def.get(key, true) as Node | undefined);
    const body = def.get('do', true);
    if (lazyYaml().isMap(body)) floatsAsText(body.get('vars', true) as Node | undefined);
  }
}

/**
 * Every stage after templating (vars, foreach, matrix, `${…}`), normalized, in the file's order. `${…}` sees
 * params.yaml (when there is one) merged with the `vars` entries and stage vars, then the foreach/matrix
 * item, as in DVC. A problem of a template is reported once, named after the first stage it generates.
 */
function expandStages(written: WrittenPipeline, root: string, label: string, files: TemplateFiles, positions: YamlPositions, problems: Problem[]): Stage[] {
  const seen = new Set<string>();
  const report = (where: PathSegment[], shown: PathSegment[], message: string) => {
    const id = `${formatPath(where)}\0${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    problems.push({ pos: positions.at(where), path: formatPath(shown), message });
  };
  const template = (t: TemplateProblem) => report(t.path, t.path, t.message);
  const varProblems: TemplateProblem[] = [];
  const global = VarsScope.empty();
  const defaults = files.tryRead(DEFAULT_PARAMS_FILE);
  if (defaults !== null && typeof defaults === 'object' && !Array.isArray(defaults)) {
    global.addFile(DEFAULT_PARAMS_FILE, defaults as Record<string, unknown>, ['vars'], varProblems);
  }
  loadVars(written.vars ?? [], '.', files, global, ['vars'], varProblems);
  const defs = written.stages ?? {};
  const stages: Stage[] = [];
  const generated = new Set<string>();
  for (const name of Object.keys(defs)) {
    const expanded = expandDefinition(name, defs[name]!, chainLookup({}, global.values));
    expanded.problems.forEach(template);
    for (const g of expanded.stages) {
      if ((g.name !== name && defs[g.name]) || generated.has(g.name)) {
        template({ path: g.base, message: `generates stage ${g.name} twice, or one also defined by hand` });
        continue;
      }
      generated.add(g.name);
      // Problems inside a generated body are shown under the generated name: `stages.train@lr0.1.cmd`.
      const shown = (path: PathSegment[]) => ['stages', g.name, ...path];
      let scope = global;
      if (g.body.vars) {
        scope = global.clone();
        const stageProblems: TemplateProblem[] = [];
        loadVars(g.body.vars, g.body.wdir ?? '.', files, scope, ['vars'], stageProblems);
        for (const t of stageProblems) report([...g.base, ...t.path], shown(t.path), t.message);
      }
      const sub = substituteBody(g.body, chainLookup(g.locals, scope.values));
      for (const t of sub.problems) report([...g.base, ...t.path], shown(t.path), t.message);
      const stage = normalizeStage(g.name, sub.body, { root, label }, g.base, positions, problems);
      if (stage) stages.push(stage);
    }
  }
  varProblems.forEach(template);
  return stages;
}

function fail(label: string, problems: Problem[]): never {
  const sorted = [...problems].sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  const lines = sorted.map((p) => `  ${formatPos(p.pos)} ${p.path ? `${p.path}: ` : ''}${p.message}`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new ConfigError(`${label} is invalid (${count}):\n${lines.join('\n')}`, {
    hint: `fix ${label}; nothing was run`,
  });
}

type Issue = z.core.$ZodIssue;

function zodProblems(issues: readonly Issue[], positions: YamlPositions): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        out.push({ pos: positions.at(keyPath), path: formatPath(keyPath), message: 'unknown key' });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      // A union branch that got deeper than the union itself is the one the user meant: report its issues.
      const branches = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
      const best = branches[0];
      if (best) {
        out.push(...zodProblems(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue), positions));
        continue;
      }
    }
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    if (message === MISSING_CMD && path[0] === 'stages' && path.length === 3) {
      out.push({ pos: positions.at(path.slice(0, 2)), path: '', message: `stage ${String(path[1])}: ${MISSING_CMD}` });
      continue;
    }
    out.push({ pos: positions.at(path), path: formatPath(path), message });
  }
  return out;
}

/** Only the `gates:` of a pipeline file's text (e.g. the base branch's), validated like the rest. */
export function parseGates(text: string, label: string): Record<string, WrittenGate> {
  const source = parseYamlSource(text);
  const { doc } = source;
  const positions = new YamlPositions(() => source, label);
  failOnSyntax(label, doc, positions);
  const gates = (doc.toJS() as { gates?: unknown } | null)?.gates ?? {};
  const parsed = pipelineSchemas().writtenPipeline.shape.gates.safeParse(gates);
  if (!parsed.success) {
    fail(label, zodProblems(parsed.error.issues.map((i: Issue) => ({ ...i, path: ['gates', ...i.path] }) as Issue), positions));
  }
  return parsed.data ?? {};
}
