import { join } from 'node:path';
import { CACHE_DIR, stateDirOf } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { verifyObjects } from '../../cache/verify.js';
import { withWorkspaceLock } from '../../run/workspace-lock.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const cacheHelp = `usage: lockstep cache verify

Re-hashes every cached object; corrupt ones are moved to .lockstep/cache/corrupt/ and never served.`;

const options = {} satisfies Options;

export async function cacheCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new UsageError('lockstep cache needs verify', { hint: cacheHelp });
  parseCommandArgs('cache verify', rest, options);
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  const r = withWorkspaceLock(ws.root, () => verifyObjects(ws.objects, join(stateDirOf(ws.root), CACHE_DIR), ctx.reporter));
  for (const c of r.corrupt) ctx.reporter.error(`corrupt object ${c.sha256} moved to ${c.movedTo}`);
  ctx.stdout(`${r.checked} objects checked, ${r.corrupt.length} corrupt`);
  return r.corrupt.length ? 1 : 0;
}

export const command: Command = {
  name: 'cache',
  summary: 'cache verify: re-hash every object, move corrupt ones aside',
  help: cacheHelp,
  options,
  run: cacheCommand,
};
