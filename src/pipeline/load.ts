import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_PARAMS_FILE, LOCK_FILE, LOCKSTEP_DIR, parseMemoPath } from '../constants.js';
import { ConfigError, errnoCode } from '../errors.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { parseWithMemo } from '../util/parse-memo.js';
import { normalizeRel } from '../util/paths.js';
import { sortedBy } from '../util/sort.js';
import { interpolate } from './interpolate.js';
import { getDotted, ParamsReader, paramsMemo } from './params.js';
import { pipelineSchemas, type WrittenGate, type WrittenPipeline, type WrittenStage } from './schema.js';
import type { Out, ParamsRef, Pipeline, SourcePos, Stage } from './types.js';
import { formatPos } from './types.js';
import { formatPath, type PathSegment, YamlPositions } from './yaml-positions.js';

/** `dvc.yaml` gets its own lock name so we never clobber DVC's `dvc.lock`. */
export function lockFileFor(pipelineFile: string): string {
  const name = basename(pipelineFile);
  if (name === 'pipeline.yaml' || name === 'pipeline.yml') return join(dirname(pipelineFile), LOCK_FILE);
  if (name === 'dvc.yaml') return join(dirname(pipelineFile), 'dvc.lockstep.lock');
  return join(dirname(pipelineFile), name.replace(/\.ya?ml$/, '') + '.lock');
}

interface Problem {
  pos: SourcePos;
  path: string;
  message: string;
}

/**
 * pipeline.yaml → YAML document → zod written shape → normalized Pipeline. Every problem in the file is
 * collected and reported in one ConfigError, each as `pipeline.yaml:12:5 stages.train.deps[1]: …`.
 */
export function loadPipeline(pipelineFile: string): Pipeline {
  const file = resolve(pipelineFile);
  const root = dirname(file);
  const label = basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new ConfigError(`${pipelineFile} not found`, {
        hint: 'run lockstep in a directory with a pipeline.yaml, or pass one with -f FILE',
      });
    }
    throw err;
  }

  let source: { doc: Document; lines: LineCounter } | undefined;
  const parse = () => {
    if (!source) {
      const yaml = lazyYaml();
      const lines = new yaml.LineCounter();
      source = { doc: yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
    }
    return source;
  };
  const positions = new YamlPositions(parse, label);
  const memo = existsSync(join(root, LOCKSTEP_DIR)) ? parseMemoPath(root, label) : undefined;
  // Only a file that parsed *and* validated is memoized, so a memo hit needs neither yaml nor zod.
  const written = parseWithMemo(text, memo, () => {
    const { doc } = parse();
    if (doc.errors.length) {
      fail(
        label,
        doc.errors.map((e) => ({ pos: positions.pos(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? '' })),
      );
    }
    const parsed = pipelineSchemas().writtenPipeline.safeParse(doc.toJS() ?? {});
    if (!parsed.success) fail(label, zodProblems(parsed.error.issues, positions));
    return parsed.data;
  }) as WrittenPipeline;

  const problems: Problem[] = [];
  const params = new ParamsReader(root, undefined, paramsMemo(root));
  const stages: Stage[] = [];
  for (const name of Object.keys(written.stages).sort()) {
    const stage = normalizeStage(name, written.stages[name]!, positions, params, problems);
    if (stage) stages.push(stage);
  }
  if (problems.length) fail(label, problems);

  return {
    file,
    root,
    lockFile: lockFileFor(file),
    stages,
    metrics: (written.metrics ?? []).map(normalizeRel),
    gates: written.gates ?? {},
  };
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
    out.push({ pos: positions.at(path), path: formatPath(path), message });
  }
  return out;
}

function normalizeStage(
  name: string,
  w: WrittenStage,
  positions: YamlPositions,
  params: ParamsReader,
  problems: Problem[],
): Stage | undefined {
  const base: PathSegment[] = ['stages', name];
  const problem = (path: PathSegment[], message: string) =>
    problems.push({ pos: positions.at([...base, ...path]), path: formatPath([...base, ...path]), message });

  const wdirRaw = w.wdir ?? '.';
  if (isAbsolute(wdirRaw)) problem(['wdir'], 'must be relative to the pipeline file');
  const wdir = normalizeRel(wdirRaw);
  const inWdir = (p: string) => (isAbsolute(p) ? posix.normalize(p) : normalizeRel(posix.join(wdir, p)));

  const deps = (w.deps ?? []).map((d, i) => ({ path: inWdir(d), pos: positions.lazy([...base, 'deps', i]) }));
  const outs: Out[] = [];
  const addOuts = (entries: WrittenStage['outs'] | WrittenStage['plots'], key: 'outs' | 'metrics' | 'plots') => {
    (entries ?? []).forEach((entry, i) => {
      const [path, flags] = typeof entry === 'string' ? [entry, null] : Object.entries(entry)[0]!;
      const metric = key === 'metrics';
      outs.push({
        path: inWdir(path),
        cache: flags?.cache ?? !metric,
        persist: flags?.persist ?? false,
        metric,
        pos: positions.lazy([...base, key, i]),
      });
    });
  };
  addOuts(w.outs, 'outs');
  addOuts(w.metrics, 'metrics');
  addOuts(w.plots, 'plots');

  const defaultParams = normalizeRel(posix.join(wdir, DEFAULT_PARAMS_FILE));
  const byFile = new Map<string, ParamsRef>();
  (w.params ?? []).forEach((entry, i) => {
    const pos = positions.lazy([...base, 'params', i]);
    const pairs: [string, string[] | null][] =
      typeof entry === 'string' ? [[defaultParams, [entry]]] : Object.entries(entry).map(([f, k]) => [inWdir(f), k]);
    for (const [file, keys] of pairs) {
      const prev = byFile.get(file);
      const merged = prev === undefined ? keys : prev.keys === null || keys === null ? null : [...prev.keys, ...keys];
      byFile.set(file, { file, keys: merged && [...new Set(merged)].sort(), pos: prev?.pos ?? pos });
    }
  });

  const cmds = typeof w.cmd === 'string' ? [w.cmd] : w.cmd;
  const cmd: string[] = [];
  cmds.forEach((template, i) => {
    if (!template.includes('${')) {
      cmd.push(template);
      return;
    }
    const cmdPath: PathSegment[] = typeof w.cmd === 'string' ? ['cmd'] : ['cmd', i];
    const data = params.tryRead(DEFAULT_PARAMS_FILE);
    const result = interpolate(template, (key) => (data === undefined ? { found: false } : getDotted(data, key)));
    if (result.ok) cmd.push(result.value);
    else for (const p of result.problems) problem(cmdPath, `${p.message} (${DEFAULT_PARAMS_FILE})`);
  });

  return {
    name,
    ...(w.desc === undefined ? {} : { desc: w.desc }),
    cmd,
    wdir,
    deps,
    params: sortedBy(byFile.values(), (p) => p.file),
    outs,
    env: [...new Set(w.env ?? [])].sort(),
    frozen: w.frozen ?? false,
    alwaysChanged: w.always_changed ?? false,
    pos: positions.lazy(base),
  };
}

/** Only the `gates:` of a pipeline file's text (e.g. the base branch's), validated like the rest. */
export function parseGates(text: string, label: string): Record<string, WrittenGate> {
  const yaml = lazyYaml();
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const positions = new YamlPositions(() => ({ doc, lines }), label);
  if (doc.errors.length) {
    fail(label, doc.errors.map((e) => ({ pos: positions.pos(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? '' })));
  }
  const gates = (doc.toJS() as { gates?: unknown } | null)?.gates ?? {};
  const parsed = pipelineSchemas().writtenPipeline.shape.gates.safeParse(gates);
  if (!parsed.success) {
    fail(label, zodProblems(parsed.error.issues.map((i: Issue) => ({ ...i, path: ['gates', ...i.path] }) as Issue), positions));
  }
  return parsed.data ?? {};
}
