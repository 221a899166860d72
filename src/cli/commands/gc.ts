import { UsageError } from '../../errors.js';
import { listRecordsOfRepository } from '../../exp/records.js';
import { parseLockText } from '../../lock/lock-file.js';
import { collectGarbage } from '../../run/gc.js';
import { openWorkspace } from '../../run/workspace.js';
import { formatBytes } from '../../util/format.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const gcHelp = `usage: lockstep gc [--workspace | --all-commits] [--dry]

Removes cache objects that no lock references (nor an experiment: see lockstep exp remove), and run
records that point at removed objects.
  --workspace     keep what the locks of the workspace's pipeline files reference (default)
  --all-commits   also keep what those locks referenced at any commit on any branch
  --dry           say what would be removed, remove nothing`;

const options = {
  workspace: { type: 'boolean', short: 'w' },
  'all-commits': { type: 'boolean', short: 'A' },
  dry: { type: 'boolean' },
} satisfies Options;

export async function gcCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('gc', args, options);
  if (positionals.length) throw new UsageError('gc takes no arguments');
  if (values.workspace && values['all-commits']) throw new UsageError('choose one of --workspace and --all-commits');
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  // An experiment's outputs stay until the experiment is removed: `exp apply` checks them out from the cache.
  // Every pipeline folder's experiments: they share the repository's cache.
  const extraLocks = listRecordsOfRepository(ws.root).map((r) => parseLockText(r.lock, `experiment ${r.name}`));
  const r = collectGarbage(ws, { allCommits: values['all-commits'] ?? false, dry: values.dry ?? false, extraLocks });
  const verb = values.dry ? 'would remove' : 'removed';
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  ctx.stdout(`${verb} ${n(r.objectsRemoved, 'object')} (${formatBytes(r.bytesFreed)}), kept ${r.objectsKept}; ${n(r.recordsPruned, 'run record')} pruned`);
  return 0;
}

export const command: Command = {
  name: 'gc',
  summary: 'remove cache objects no lock references',
  help: gcHelp,
  options,
  run: gcCommand,
};
