import { UsageError } from '../../errors.js';
import { resolveRevision, tryReadAtRevision } from '../../git/git.js';
import { diffValues, type ValuesByFile } from '../../metrics/diff.js';
import { diffTable } from '../../metrics/format.js';
import { loadPipeline } from '../../pipeline/load.js';
import { ParamsReader } from '../../pipeline/params.js';
import type { Pipeline } from '../../pipeline/types.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { OUTPUT_OPTIONS, parsePrecision, renderTable } from '../output.js';
import { revisionPair, WORKSPACE } from './metrics.js';

export const paramsHelp = `usage: lockstep params diff [A] [B] [--all] [--json|--md] [--precision N]

The params the pipeline's stages use, A vs B; default HEAD vs the workspace.`;

/** Every param the stages list, as they are at `rev` (missing files and keys are left out). */
function paramsAt(pipeline: Pipeline, rev: string): ValuesByFile {
  let reader: ParamsReader;
  if (rev === WORKSPACE) reader = new ParamsReader(pipeline.root);
  else {
    const commit = resolveRevision(pipeline.root, rev);
    reader = new ParamsReader(pipeline.root, (file) => tryReadAtRevision(pipeline.root, commit, file));
  }
  const out: ValuesByFile = {};
  for (const stage of pipeline.stages) {
    for (const [file, values] of Object.entries(reader.valuesFor(stage.params, stage.name, true))) {
      out[file] = { ...(out[file] ?? {}), ...values };
    }
  }
  return out;
}

const options = { ...OUTPUT_OPTIONS, all: { type: 'boolean' } } satisfies Options;

export async function paramsCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'diff') throw new UsageError('lockstep params needs diff', { hint: paramsHelp });
  const { values, positionals } = parseCommandArgs('params diff', rest, options);
  const precision = parsePrecision(values.precision);
  const pipeline = loadPipeline(ctx.pipelineFile);
  const [a, b] = revisionPair(positionals, 'params diff');
  const rows = diffValues(paramsAt(pipeline, a), paramsAt(pipeline, b), values.all ?? false);
  if (values.json) ctx.stdout(JSON.stringify({ a, b, rows }, null, 2));
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
