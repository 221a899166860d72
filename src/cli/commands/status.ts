import { ExitError, EXIT_FAILED } from '../../errors.js';
import { formatReason } from '../../lock/compare.js';
import type { PlannedStage } from '../../run/plan.js';
import { planWorkspace } from '../../run/reproduce.js';
import { fingerprintExternalDeps } from '../../run/external-deps.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs } from '../args.js';
import { loadForTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { CommandContext } from '../context.js';
import { inFileOrder, planJson } from '../format-reasons.js';

export const statusHelp = `usage: lockstep status [targets...] [-R] [--json] [--exit-code]

Says what \`lockstep repro\` would do and why, including stages that will run
because an upstream stage will run.

  --json        machine-readable output on stdout
  --exit-code   exit 1 when any stage would run (for CI)
  -R            every pipeline file of the repository as one graph (so does a directory argument)`;

export function renderPlan(plan: PlannedStage[], verb: string): string {
  const lines: string[] = [];
  for (const p of plan) {
    if (p.action === 'skip') continue;
    if (p.action === 'frozen') {
      if (p.reasons.length) lines.push(`${p.name}: frozen, not run although it changed`);
      continue;
    }
    lines.push(`${p.name}: ${verb}${p.restoreFrom ? ` (would restore from run-cache ${p.restoreFrom})` : ''}`);
    for (const r of p.reasons) lines.push(`    ${formatReason(r)}`);
  }
  return lines.join('\n');
}

export async function statusCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', args, {
    json: { type: 'boolean' },
    'exit-code': { type: 'boolean' },
    ...RECURSIVE_OPTION,
  });
  const { pipeline, targets } = loadForTargets(ctx, values.recursive, positionals);
  const ws = openWorkspace(pipeline, ctx.reporter);
  await fingerprintExternalDeps(ws, { targets });
  const plan = inFileOrder(planWorkspace(ws, { targets }).plan, ws.dag);
  const anyRun = plan.some((p) => p.action === 'run');
  if (values.json) {
    const stages = planJson(plan);
    ctx.stdout(JSON.stringify({ upToDate: !anyRun, stages }, null, 2));
  } else if (anyRun || plan.some((p) => p.action === 'frozen' && p.reasons.length)) {
    ctx.stdout(renderPlan(plan, 'will run'));
    const run = plan.filter((p) => p.action === 'run');
    const restore = run.filter((p) => p.restoreFrom).length;
    const upToDate = plan.filter((p) => p.action === 'skip').length;
    ctx.reporter.info(`${run.length} of ${plan.length} stages will run${restore ? ` (${restore} from the run-cache)` : ''}, ${upToDate} up to date`);
  } else {
    ctx.stdout('Pipeline is up to date. Nothing to reproduce.');
  }
  if (values['exit-code'] && anyRun) throw new ExitError(EXIT_FAILED);
  return 0;
}
