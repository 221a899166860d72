import { UsageError } from '../../errors.js';
import { diffValues } from '../../metrics/diff.js';
import { diffTable } from '../../metrics/format.js';
import { readParamsAt } from '../../metrics/params-at.js';
import { loadPipeline } from '../../pipeline/load.js';
import type { Pipeline } from '../../pipeline/types.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { OUTPUT_OPTIONS, parsePrecision, renderTable } from '../output.js';
import { exactReplacer } from '../../util/decimal-text.js';
import { revisionPair, WORKSPACE } from './metrics.js';

export const paramsHelp = `usage: lockstep params diff [A] [B] [--all] [--json|--md] [--precision N]

The params the pipeline's stages use, A vs B; default HEAD vs the workspace.`;

/** The params at `rev`; the workspace is the `WORKSPACE` pseudo-revision. */
const paramsAt = (pipeline: Pipeline, rev: string) => readParamsAt(pipeline, rev === WORKSPACE ? undefined : rev);

const options = { ...OUTPUT_OPTIONS, all: { type: 'boolean' } } satisfies Options;

export async function paramsCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'diff') throw new UsageError('lockstep params needs diff', { hint: paramsHelp });
  const { values, positionals } = parseCommandArgs('params diff', rest, options);
  const precision = parsePrecision(values.precision);
  const pipeline = loadPipeline(ctx.pipelineFile);
  const [a, b] = revisionPair(positionals, 'params diff');
  const rows = diffValues(paramsAt(pipeline, a), paramsAt(pipeline, b), values.all ?? false);
  if (values.json) ctx.stdout(JSON.stringify({ a, b, rows }, exactReplacer, 2));
  else ctx.stdout(renderTable(diffTable(rows, [a, b], precision, 'Param'), values.md, `No changes in params between ${a} and ${b}.`));
  return 0;
}

export const command: Command = {
  name: 'params',
  summary: 'diff the params the stages use between revisions',
  help: paramsHelp,
  options,
  run: paramsCommand,
};
