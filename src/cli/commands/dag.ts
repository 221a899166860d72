import { UsageError } from '../../errors.js';
import { selectStages } from '../../pipeline/dag.js';
import { edgesOf, renderAscii, renderDot, renderMermaid } from '../../pipeline/dag-render.js';
import { checkedDag } from '../../pipeline/rules.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import { loadForTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { CommandContext } from '../context.js';

export const dagHelp = `usage: lockstep dag [targets...] [-R] [--mermaid | --dot | --json]

Prints the stage graph (ascii by default); with targets, only them and what they depend on.

  -R, --recursive   every pipeline file of the repository as one graph (so does a directory argument)
  targets           stages, foreach/matrix groups, pipeline files (path/dvc.yaml) or path/dvc.yaml:stage`;

const options = {
  mermaid: { type: 'boolean' },
  dot: { type: 'boolean' },
  json: { type: 'boolean' },
  ...RECURSIVE_OPTION,
} satisfies Options;

export async function dagCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('dag', args, options);
  if ([values.mermaid, values.dot, values.json].filter(Boolean).length > 1) {
    throw new UsageError('choose one of --mermaid, --dot, --json');
  }
  const { pipeline, targets } = loadForTargets(ctx, values.recursive, positionals);
  const dag = checkedDag(pipeline);
  const only = selectStages(dag, targets);
  if (values.mermaid) ctx.stdout(renderMermaid(dag, only));
  else if (values.dot) ctx.stdout(renderDot(dag, only));
  else if (values.json) {
    // Stages in the file's order, as DVC lists them; edges in run order.
    const edges = edgesOf(dag, only).map(([from, to]) => ({ from, to }));
    ctx.stdout(JSON.stringify({ stages: [...dag.stages.keys()].filter((n) => only.has(n)), edges }, null, 2));
  } else ctx.stdout(renderAscii(dag, only));
  return 0;
}

export const command: Command = {
  name: 'dag',
  summary: 'print the stage graph (ascii, --mermaid, --dot, --json)',
  help: dagHelp,
  options,
  run: dagCommand,
};
