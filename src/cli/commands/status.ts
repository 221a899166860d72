import { ExitError, EXIT_FAILED } from '../../errors.js';
import { formatReason } from '../../lock/compare.js';
import { formatDataChange, type DataChange } from '../../run/data-state.js';
import type { PlannedStage } from '../../run/plan.js';
import { planWorkspace } from '../../run/plan-workspace.js';
import { fingerprintExternalDeps } from '../../run/external-deps.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import { loadForTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { CommandContext } from '../context.js';
import { inFileOrder, planJson } from '../format-reasons.js';

export const statusHelp = `usage: lockstep status [targets...] [-R] [--json] [--exit-code] [--allow-missing]
       lockstep status --remote [-r NAME] [targets...] [--json]

Says what \`lockstep repro\` would do and why, including stages that will run
because an upstream stage will run, and which tracked data (lockstep add) changed.

  --json             machine-readable output on stdout
  --exit-code        exit 1 when any stage would run (for CI)
  --allow-missing    as repro --allow-missing: absent outputs alone do not count as a change
  --remote           instead: per out, 'in sync', 'not pushed' or 'missing on remote'
  -r, --remote-name NAME   the remote for --remote (default: the default remote)
  -R                 every pipeline file of the repository as one graph (so does a directory argument)`;

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

const options = {
  json: { type: 'boolean' },
  'exit-code': { type: 'boolean' },
  'allow-missing': { type: 'boolean' },
  remote: { type: 'boolean' },
  'remote-name': { type: 'string', short: 'r' },
  ...RECURSIVE_OPTION,
} satisfies Options;

/** Tracked data first: it is what explains the `dep modified` of the stages below. */
function renderDataChanges(data: DataChange[]): string {
  return data.flatMap((d) => {
    const { message, hint } = formatDataChange(d);
    return [message, `    ${hint}`];
  }).join('\n');
}

export async function statusCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', args, options);
  const { pipeline, targets } = loadForTargets(ctx, values.recursive, positionals);
  const ws = openWorkspace(pipeline, ctx.reporter);
  if (values.remote || values['remote-name'] !== undefined) {
    const { remoteStatus } = await import('../../run/remote-status.js');
    const r = await remoteStatus(ws, values['remote-name'], targets);
    if (values.json) ctx.stdout(JSON.stringify(r, null, 2));
    else {
      const width = Math.max(0, ...r.outs.map((o) => o.status.length));
      for (const o of r.outs) ctx.stdout(`${o.status.padEnd(width)}  ${o.path} (${o.owner})`);
      if (r.outs.length === 0) ctx.stdout('Nothing in pipeline.lock to compare.');
    }
    if (values['exit-code'] && r.outs.some((o) => o.status !== 'in sync')) throw new ExitError(EXIT_FAILED);
    return 0;
  }
  await fingerprintExternalDeps(ws, { targets });
  const planned = await planWorkspace(ws, { targets, allowMissing: values['allow-missing'] ?? false });
  const plan = inFileOrder(planned.plan, ws.dag);
  const data = planned.data;
  const anyRun = plan.some((p) => p.action === 'run') || data.length > 0;
  if (values.json) {
    const stages = planJson(plan);
    ctx.stdout(JSON.stringify({ upToDate: !anyRun, stages, data: data.map((d) => ({ ...d, ...formatDataChange(d) })) }, null, 2));
  } else if (anyRun || plan.some((p) => p.action === 'frozen' && p.reasons.length)) {
    ctx.stdout([renderDataChanges(data), renderPlan(plan, 'will run')].filter(Boolean).join('\n'));
    const run = plan.filter((p) => p.action === 'run');
    const restore = run.filter((p) => p.restoreFrom).length;
    const upToDate = plan.filter((p) => p.action === 'skip').length;
    const frozen = plan.filter((p) => p.action === 'frozen').length;
    ctx.reporter.info(`${run.length} of ${plan.length} stages will run${restore ? ` (${restore} from the run-cache)` : ''}, ${upToDate} up to date${frozen ? `, ${frozen} frozen` : ''}`);
  } else {
    ctx.stdout('Pipeline is up to date. Nothing to reproduce.');
  }
  if (values['exit-code'] && anyRun) throw new ExitError(EXIT_FAILED);
  return 0;
}

export const command: Command = {
  name: 'status',
  summary: 'say what repro would run and why',
  help: statusHelp,
  options,
  run: statusCommand,
};
