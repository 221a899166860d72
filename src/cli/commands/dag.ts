import { UsageError } from '../../errors.js';
import { selectStages } from '../../pipeline/dag.js';
import { edgesOf, renderAscii, renderDot, renderMermaid } from '../../pipeline/dag-render.js';
import { topoOrder } from '../../pipeline/dag.js';
import { loadPipeline } from '../../pipeline/load.js';
import { checkedDag } from '../../pipeline/rules.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const dagHelp = `usage: lockstep dag [targets...] [--mermaid | --dot | --json]

Prints the stage graph (ascii by default); with targets, only them and what they depend on.`;

const options = {
  mermaid: { type: 'boolean' },
  dot: { type: 'boolean' },
  json: { type: 'boolean' },
} satisfies Options;

export async function dagCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('dag', args, options);
  if ([values.mermaid, values.dot, values.json].filter(Boolean).length > 1) {
    throw new UsageError('choose one of --mermaid, --dot, --json');
  }
  const pipeline = loadPipeline(ctx.pipelineFile);
  const dag = checkedDag(pipeline);
  const only = selectStages(dag, positionals);
  if (values.mermaid) ctx.stdout(renderMermaid(dag, only));
  else if (values.dot) ctx.stdout(renderDot(dag, only));
  else if (values.json) {
    const edges = edgesOf(dag, only).map(([from, to]) => ({ from, to }));
    ctx.stdout(JSON.stringify({ stages: topoOrder(dag, only), edges }, null, 2));
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
