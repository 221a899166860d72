import { ConfigError } from '../errors.js';
import { basename, resolve } from 'node:path';
import { isOutside, isSameOrInside, relPosix } from '../util/paths.js';
import { isExternalPath } from './external.js';
import { buildDag, findCycle, parentsOf, type Dag } from './dag.js';
import { formatPos, type DataEntry, type Out, type Pipeline, type SourcePos } from './types.js';

/**
 * Checks that need the whole pipeline (not one stage): outs inside the repository, no out produced
 * twice, no out inside another, no cycle. Pure; every problem is reported at once.
 */
export function pipelineProblems(pipeline: Pipeline, dag: Dag): string[] {
  const found: { pos?: SourcePos; text: string }[] = [];
  const problem = (pos: SourcePos | undefined, text: string) => found.push({ pos, text: `${pos ? `${formatPos(pos)} ` : ''}${text}` });
  const all: { stage: string; out: Out }[] = pipeline.stages.flatMap((s) => s.outs.map((out) => ({ stage: s.name, out })));

  // Only `../` and absolute paths can leave; most paths are plainly inside the pipeline's folder.
  const leaves = (path: string) => isOutside(path) && !isExternalPath(path) && isOutside(relPosix(pipeline.repoRoot, resolve(pipeline.root, path)));
  for (const { stage, out } of all) {
    if (leaves(out.path)) problem(out.pos, `stage ${stage}: out ${out.path} is outside the repository`);
    else if (out.path.split('/').includes('.git')) problem(out.pos, `stage ${stage}: out ${out.path} is inside .git`);
  }
  for (const stage of pipeline.stages) {
    if (leaves(stage.wdir)) problem(stage.pos, `stage ${stage.name}: wdir ${stage.wdir} is outside the repository`);
    for (const dep of stage.deps) if (leaves(dep.path)) problem(dep.pos, `stage ${stage.name}: dep ${dep.path} is outside the repository`);
  }
  // Overlaps by look-up rather than comparing every pair of outs: 1,000 stages made that quadratic.
  const byPath = new Map<string, { stage: string; out: Out }[]>();
  for (const entry of all) byPath.set(entry.out.path, [...(byPath.get(entry.out.path) ?? []), entry]);
  for (const [path, entries] of byPath) {
    for (let i = 1; i < entries.length; i++) {
      const a = entries[0]!;
      const b = entries[i]!;
      const who = a.stage === b.stage ? `stage ${a.stage}` : `stages ${a.stage} and ${b.stage}`;
      problem(b.out.pos, `${who} both produce ${path}`);
    }
  }
  for (const b of all) {
    for (const parent of parentsOf(b.out.path)) {
      for (const a of byPath.get(parent) ?? []) {
        const who = a.stage === b.stage ? `stage ${a.stage}` : `stages ${a.stage} and ${b.stage}`;
        problem(b.out.pos, `${who} have overlapping outs ${a.out.path} and ${b.out.path}`);
      }
    }
  }
  // Sorted by line (the file's order); only a failing pipeline pays for locating them.
  const problems = found.length ? found.sort((x, y) => (x.pos?.line ?? Infinity) - (y.pos?.line ?? Infinity) || (x.pos?.col ?? 0) - (y.pos?.col ?? 0)).map((p) => p.text) : [];
  problems.push(...dataProblems(pipeline.data, dag));
  const cycle = findCycle(dag);
  if (cycle) problems.push(`the stages form a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** `data:` paths are inside the repository, listed once, nested in no other, and produced by no stage. */
function dataProblems(data: readonly DataEntry[], dag: Dag): string[] {
  const problems: string[] = [];
  const at = (d: DataEntry) => (d.pos ? `${formatPos(d.pos)} ` : '');
  const seen = new Set<string>();
  for (const d of data) {
    if (isOutside(d.path)) problems.push(`${at(d)}data ${d.path} is outside the repository`);
    if (seen.has(d.path)) problems.push(`${at(d)}data ${d.path} is listed twice`);
    seen.add(d.path);
    const produced = producedBy(dag, d.path);
    if (produced) problems.push(`${at(d)}data ${produced}`);
  }
  for (const d of data) {
    for (const parent of parentsOf(d.path)) if (seen.has(parent)) problems.push(`${at(d)}data ${d.path} lies inside data ${parent}`);
  }
  return problems;
}

/**
 * `path is an out of stage train` / `path overlaps out data/x of stage prepare`, or undefined when no
 * stage produces anything there: raw data and stage outs never share a path.
 */
export function producedBy(dag: Dag, path: string): string | undefined {
  const hits = dag.producersOf(path).flatMap((s) =>
    s.outs.filter((o) => o.path === path || isSameOrInside(o.path, path) || isSameOrInside(path, o.path)).map((o) => ({ stage: s.name, out: o.path })),
  );
  if (hits.length === 0) return undefined;
  const exact = hits.find((h) => h.out === path);
  if (exact) return `${path} is an out of stage ${exact.stage}`;
  return `${path} overlaps ${hits.map((h) => `out ${h.out} of stage ${h.stage}`).join(', ')}`;
}

/** Builds the DAG and throws one ConfigError listing every problem, or returns the DAG. */
export function checkedDag(pipeline: Pipeline): Dag {
  const dag = buildDag(pipeline);
  const problems = pipelineProblems(pipeline, dag);
  if (problems.length) {
    const label = basename(pipeline.file);
    throw new ConfigError(`${label} is invalid (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      hint: 'fix the outs or deps named above; nothing was run',
    });
  }
  return dag;
}
