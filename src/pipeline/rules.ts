import { ConfigError } from '../errors.js';
import { isOutside } from '../util/paths.js';
import { buildDag, findCycle, pathsOverlap, type Dag } from './dag.js';
import { formatPos, type Out, type Pipeline } from './types.js';

/**
 * Checks that need the whole pipeline (not one stage): outs inside the repository, no out produced
 * twice, no out inside another, no cycle. Pure; every problem is reported at once.
 */
export function pipelineProblems(pipeline: Pipeline, dag: Dag): string[] {
  const problems: string[] = [];
  const at = (o: Out) => (o.pos ? `${formatPos(o.pos)} ` : '');
  const all: { stage: string; out: Out }[] = pipeline.stages.flatMap((s) => s.outs.map((out) => ({ stage: s.name, out })));

  for (const { stage, out } of all) {
    if (isOutside(out.path)) {
      problems.push(`${at(out)}stage ${stage}: out ${out.path} is outside the repository`);
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (!pathsOverlap(a.out.path, b.out.path)) continue;
      const who = a.stage === b.stage ? `stage ${a.stage}` : `stages ${a.stage} and ${b.stage}`;
      problems.push(
        a.out.path === b.out.path
          ? `${at(b.out)}${who} both produce ${a.out.path}`
          : `${at(b.out)}${who} have overlapping outs ${a.out.path} and ${b.out.path}`,
      );
    }
  }
  const cycle = findCycle(dag);
  if (cycle) problems.push(`the stages form a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Builds the DAG and throws one ConfigError listing every problem, or returns the DAG. */
export function checkedDag(pipeline: Pipeline): Dag {
  const dag = buildDag(pipeline);
  const problems = pipelineProblems(pipeline, dag);
  if (problems.length) {
    const label = pipeline.file.split(/[\\/]/).pop();
    throw new ConfigError(`${label} is invalid (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      hint: 'fix the outs or deps named above; nothing was run',
    });
  }
  return dag;
}
