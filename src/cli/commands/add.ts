import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { addData } from '../../run/add-data.js';
import { openWorkspace } from '../../run/workspace.js';
import { formatBytes } from '../../util/format.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const addHelp = `usage: lockstep add PATH...

Tracks raw data that no stage produces (a file or a directory): stores it in the cache, records its
digest under \`data:\` in pipeline.lock, lists it under \`data:\` in pipeline.yaml and adds it to the
.gitignore of its folder. Run it again after the data changed to record the new version; until then
\`lockstep status\` reports "data changed: PATH". Stages that depend on it rerun when it changes, and
checkout and gc treat it like any cached out. A path a stage produces cannot be added.`;

const options = {} satisfies Options;

export async function addCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('add', args, options);
  if (positionals.length === 0) throw new UsageError('add needs at least one PATH', { hint: 'lockstep add data/raw.csv' });
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  const r = addData(ws, positionals.map((p) => resolve(p)));
  for (const a of r.added) {
    const files = a.locked.nfiles === undefined ? '' : `${a.locked.nfiles} file${a.locked.nfiles === 1 ? '' : 's'}, `;
    ctx.reporter.info(`${a.status} ${a.path} (${files}${formatBytes(a.locked.size)})`);
  }
  for (const p of r.trackedByGit) {
    ctx.reporter.warn(`${p} is tracked by git; the .gitignore entry does not untrack it: git rm -r --cached ${p}`);
  }
  if (r.changedFiles.length) ctx.reporter.info(`to track the changes with git, run:\n  git add ${r.changedFiles.join(' ')}`);
  return 0;
}

export const command: Command = {
  name: 'add',
  summary: 'track raw data no stage produces: cache it, record it, git-ignore it',
  help: addHelp,
  options,
  run: addCommand,
};
