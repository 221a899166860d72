import { ExitError, EXIT_FAILED } from '../../errors.js';
import { formatReason } from '../../lock/compare.js';
import type { PlannedStage } from '../../run/plan.js';
import { planWorkspace } from '../../run/reproduce.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { CommandContext } from '../context.js';
import { planJson } from '../format-reasons.js';

export const statusHelp = `usage: lockstep status [targets...] [--json] [--exit-code] [--allow-missing]
       lockstep status --remote [-r NAME] [targets...] [--json]

Says what \`lockstep repro\` would do and why, including stages that will run
because an upstream stage will run.

  --json             machine-readable output on stdout
  --exit-code        exit 1 when any stage would run (for CI)
  --allow-missing    as repro --allow-missing: absent outputs alone do not count as a change
  --remote           instead: per out, 'in sync', 'not pushed' or 'missing on remote'
  -r, --remote-name NAME   the remote for --remote (default: the default remote)`;

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
    'allow-missing': { type: 'boolean' },
    remote: { type: 'boolean' },
    'remote-name': { type: 'string', short: 'r' },
  });
  const ws = openWorkspace(ctx.pipelineFile, ctx.reporter);
  if (values.remote || values['remote-name'] !== undefined) {
    const { remoteStatus } = await import('../../run/remote-status.js');
    const r = await remoteStatus(ws, values['remote-name'], positionals);
    if (values.json) ctx.stdout(JSON.stringify(r, null, 2));
    else {
      const width = Math.max(0, ...r.outs.map((o) => o.status.length));
      for (const o of r.outs) ctx.stdout(`${o.status.padEnd(width)}  ${o.path} (${o.owner})`);
      if (r.outs.length === 0) ctx.stdout('Nothing in pipeline.lock to compare.');
    }
    if (values['exit-code'] && r.outs.some((o) => o.status !== 'in sync')) throw new ExitError(EXIT_FAILED);
    return 0;
  }
  const { plan } = planWorkspace(ws, { targets: positionals, allowMissing: values['allow-missing'] ?? false });
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
