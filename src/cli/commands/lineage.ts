import { relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { lineage } from '../../exp/lineage.js';
import { openWorkspace } from '../../run/workspace.js';
import { exactReplacer } from '../../util/decimal-text.js';
import { toPosix } from '../../util/paths.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { renderLineage } from '../lineage-render.js';

export const lineageHelp = `usage: lockstep lineage PATH [--rev REV] [--json|--md]

Which data, code, params and metrics produced PATH (a stage out or tracked data): the stage and its cmd,
every dep with its digest, recursively down to raw data (lockstep add) and files committed to git; the
param values and env names; the commit where the stage's lock entry last changed; the metrics recorded
with it (the stage's own and those of the stages that read it); and whether the workspace still matches.

  --rev REV   answer from the lock committed at REV (a branch, tag or commit)
  --json      the lineage tree as JSON
  --md        a nested markdown list`;

const options = { rev: { type: 'string' }, json: { type: 'boolean' }, md: { type: 'boolean' } } satisfies Options;

export async function lineageCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('lineage', args, options);
  if (positionals.length !== 1) throw new UsageError('lineage needs one path', { hint: 'e.g. lockstep lineage artifacts/model.json' });
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  const path = toPosix(relative(ws.root, resolve(positionals[0]!)));
  if (path.startsWith('../') || path === '..') throw new UsageError(`${positionals[0]} is outside the pipeline root ${ws.root}`);
  const tree = lineage(ws, path, values.rev);
  ws.statCache.save();
  ctx.stdout(values.json ? JSON.stringify(tree, exactReplacer, 2) : renderLineage(tree, values.md ?? false));
  return 0;
}

export const command: Command = {
  name: 'lineage',
  summary: 'which data, code, params and metrics produced a file',
  help: lineageHelp,
  options,
  run: lineageCommand,
};
