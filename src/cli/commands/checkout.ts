import { checkoutOuts } from '../../run/checkout-outs.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { CommandContext } from '../context.js';

export const checkoutHelp = `usage: lockstep checkout [targets...] [--force]

Makes the outs in the workspace match pipeline.lock, from the cache (run it after git checkout).
A file that differs from the lock and whose content is not in the cache is kept unless --force.`;

export async function checkoutCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('checkout', args, { force: { type: 'boolean', short: 'f' } });
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  const r = checkoutOuts(ws, positionals, values.force ?? false);
  for (const p of r.restored) ctx.reporter.info(`checked out ${p}`);
  if (r.refused.length) {
    ctx.reporter.error(
      `not overwritten, their current content is not in the cache and would be lost:\n${r.refused.map((p) => `  ${p}`).join('\n')}\nhint: save them elsewhere, or run lockstep checkout --force to discard them`,
    );
  }
  if (r.missing.length) {
    ctx.reporter.error(`not in the cache:\n${r.missing.map((p) => `  ${p}`).join('\n')}\nhint: run lockstep pull to fetch them from the remote, or lockstep repro to rebuild them`);
  }
  ctx.reporter.info(`${r.restored.length} checked out, ${r.unchanged.length} unchanged, ${r.refused.length} kept, ${r.missing.length} missing`);
  return r.refused.length || r.missing.length ? 1 : 0;
}
