import { UsageError } from '../../errors.js';
import { exactReplacer } from '../../util/decimal-text.js';
import { diffValues } from '../../metrics/diff.js';
import { diffTable, metricsTable } from '../../metrics/format.js';
import { readRevisionMetrics, readWorkspaceMetrics, type MetricsByFile } from '../../metrics/read.js';
import { loadPipeline } from '../../pipeline/load.js';
import type { Pipeline } from '../../pipeline/types.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { OUTPUT_OPTIONS, parsePrecision, renderTable } from '../output.js';

export const metricsHelp = `usage: lockstep metrics show [--json|--md] [--precision N]
       lockstep metrics diff [A] [B] [--all] [--json|--md] [--precision N]

show: the metrics files of the pipeline (stage metrics outs and top-level metrics:).
diff: A vs B; default HEAD vs the workspace; one revision = that revision vs the workspace.`;

export const WORKSPACE = 'workspace';

export function metricsAt(pipeline: Pipeline, rev: string): MetricsByFile {
  return rev === WORKSPACE ? readWorkspaceMetrics(pipeline) : readRevisionMetrics(pipeline, rev);
}

/** `[A] [B]` → the two sides, defaulting as DVC: HEAD vs the workspace. */
export function revisionPair(positionals: string[], command: string): [string, string] {
  if (positionals.length > 2) throw new UsageError(`${command} takes at most two revisions`);
  return [positionals[0] ?? 'HEAD', positionals[1] ?? WORKSPACE];
}

const options = { ...OUTPUT_OPTIONS, all: { type: 'boolean' } } satisfies Options;

export async function metricsCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'show' && sub !== 'diff') throw new UsageError('lockstep metrics needs show or diff', { hint: metricsHelp });
  const { values, positionals } = parseCommandArgs(`metrics ${sub}`, rest, options);
  const precision = parsePrecision(values.precision);
  const pipeline = loadPipeline(ctx.pipelineFile);
  if (sub === 'show') {
    if (positionals.length) throw new UsageError('metrics show takes no arguments');
    const metrics = readWorkspaceMetrics(pipeline);
    if (values.json) ctx.stdout(JSON.stringify(metrics, exactReplacer, 2));
    else ctx.stdout(renderTable(metricsTable(metrics, precision), values.md, 'No metrics files found.'));
    return 0;
  }
  const [a, b] = revisionPair(positionals, 'metrics diff');
  const rows = diffValues(metricsAt(pipeline, a), metricsAt(pipeline, b), values.all ?? false);
  if (values.json) ctx.stdout(JSON.stringify({ a, b, rows }, exactReplacer, 2));
  else ctx.stdout(renderTable(diffTable(rows, [a, b], precision), values.md, `No changes in metrics between ${a} and ${b}.`));
  return 0;
}

export const command: Command = {
  name: 'metrics',
  summary: 'show metrics, or diff them between revisions',
  help: metricsHelp,
  options,
  run: metricsCommand,
};
