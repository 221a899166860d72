import { basename } from 'node:path';
import { checkoutOuts } from '../../run/checkout-outs.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import { loadForOutTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const checkoutHelp = `usage: lockstep checkout [-R] [targets...] [--force]

Makes the outs and tracked data (lockstep add) in the workspace match pipeline.lock, from the cache
(run it after git checkout). Targets are stage names or tracked data paths.
A file that differs from the lock and whose content is not in the cache is kept unless --force.
  -R, --recursive   every pipeline file of the repository (or under the folders given)`;

const options = { force: { type: 'boolean', short: 'f' }, ...RECURSIVE_OPTION } satisfies Options;

export async function checkoutCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('checkout', args, options);
  const { pipeline, targets } = loadForOutTargets(ctx, values.recursive === true, positionals);
  const ws = openWorkspace(pipeline, ctx.reporter);
  const r = checkoutOuts(ws, targets, values.force ?? false);
  for (const p of r.restored) ctx.reporter.info(`checked out ${p}`);
  if (r.refused.length) {
    ctx.reporter.error(
      `not overwritten, their current content is not in the cache and would be lost:\n${r.refused.map((p) => `  ${p}`).join('\n')}\nhint: save them elsewhere, or run lockstep checkout${values.recursive ? ' -R' : ''} --force to discard them`,
    );
  }
  if (r.ignored.length) {
    ctx.reporter.error(
      `ignored, their lock entries name other outs than ${basename(ws.pipeline.file)} declares:\n${r.ignored.map((s) => `  ${s}`).join('\n')}\nhint: run lockstep repro to rebuild them, or restore ${basename(ws.pipeline.lockFile)} from git`,
    );
  }
  if (r.missing.length) {
    const hint = ws.config.remote ? 'run lockstep pull to fetch them from the remote, or lockstep repro to rebuild them' : 'run lockstep repro to rebuild them';
    ctx.reporter.error(`not in the cache:\n${r.missing.map((p) => `  ${p}`).join('\n')}\nhint: ${hint}`);
  }
  ctx.reporter.info(`${r.restored.length} checked out, ${r.unchanged.length} unchanged, ${r.refused.length} kept, ${r.missing.length} missing`);
  return r.refused.length || r.missing.length || r.ignored.length ? 1 : 0;
}

export const command: Command = {
  name: 'checkout',
  summary: 'make workspace outs match the lock, from the cache',
  help: checkoutHelp,
  options,
  run: checkoutCommand,
};
