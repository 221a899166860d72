import { cpus } from 'node:os';
import { UsageError } from '../../errors.js';
import { failureText } from '../../run/failure-text.js';
import { planWorkspace } from '../../run/plan-workspace.js';
import { reproduce } from '../../run/reproduce.js';
import type { StageOutcome } from '../../run/scheduler.js';
import { fingerprintExternalDeps } from '../../run/external-deps.js';
import { openWorkspace } from '../../run/workspace.js';
import { formatDuration } from '../../util/format.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import { loadForTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { CommandContext } from '../context.js';
import { inFileOrder, planJson, reasonsJson } from '../format-reasons.js';
import { renderPlan } from './status.js';

export const reproHelp = `usage: lockstep repro [targets...] [options]

Runs the stages whose inputs changed (and, for targets, what they depend on).

  -f, --force          run the selected stages even if nothing changed
  --dry                print what would run, run nothing
  -s, --single-item    only the targets, not their upstream stages
  --downstream         the targets and every stage that depends on them
  -k, --keep-going     after a failure, keep running stages that do not depend on it
  --no-run-cache       run changed stages even when the run-cache has their results
  --pull               before running a changed stage, look for its outputs on the remote
                       (its run record, or the locked outs when only they are absent here)
  -r, --remote NAME    the remote for --pull (default: the default remote)
  --allow-missing      a stage whose only change is absent outputs is neither run nor downloaded (CI)
  -j, --jobs N|auto    run up to N independent stages at once (default 1)
  --json               print a machine summary on stdout
  -R, --recursive      every pipeline file of the repository as one graph (so does a directory argument)

Targets: stages, foreach/matrix groups, pipeline files (path/dvc.yaml) or path/dvc.yaml:stage.`;

export function parseJobs(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (raw === 'auto') return Math.max(1, cpus().length);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs must be a positive integer or auto, got '${raw}'`);
  return n;
}

const FAILED: ReadonlySet<string> = new Set(['failed', 'blocked']);

const options = {
  force: { type: 'boolean', short: 'f' },
  dry: { type: 'boolean' },
  'single-item': { type: 'boolean', short: 's' },
  downstream: { type: 'boolean' },
  'keep-going': { type: 'boolean', short: 'k' },
  jobs: { type: 'string', short: 'j' },
  'no-run-cache': { type: 'boolean' },
  pull: { type: 'boolean' },
  remote: { type: 'string', short: 'r' },
  'allow-missing': { type: 'boolean' },
  json: { type: 'boolean' },
  ...RECURSIVE_OPTION,
} satisfies Options;

export async function reproCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('repro', args, options);
  if (values.remote !== undefined && !values.pull) throw new UsageError('--remote goes with --pull');
  const jobs = parseJobs(values.jobs);
  const { pipeline, targets } = loadForTargets(ctx, values.recursive, positionals);
  const request = {
    targets,
    force: values.force ?? false,
    singleItem: values['single-item'] ?? false,
    downstream: values.downstream ?? false,
    noRunCache: values['no-run-cache'] ?? false,
    allowMissing: values['allow-missing'] ?? false,
  };
  const ws = openWorkspace(pipeline, ctx.reporter);
  await fingerprintExternalDeps(ws, request);

  if (values.dry) {
    const plan = inFileOrder((await planWorkspace(ws, request)).plan, ws.dag);
    if (values.json) {
      const stages = planJson(plan);
      ctx.stdout(JSON.stringify({ dry: true, stages }, null, 2));
    } else {
      const text = renderPlan(plan, 'would run');
      ctx.stdout(text || 'Pipeline is up to date. Nothing to reproduce.');
    }
    return 0;
  }

  ctx.reporter.setPrefixStages(jobs > 1);
  const interrupt: { requested: boolean; signal?: NodeJS.Signals; onRequest?: () => void } = { requested: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.requested) return;
    interrupt.requested = true;
    interrupt.signal = signal;
    ctx.reporter.warn(`${signal}: stopping running stages; nothing is recorded for them`);
    interrupt.onRequest?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await reproduce(ws, {
      ...request,
      jobs,
      keepGoing: values['keep-going'] ?? false,
      interrupt,
      ...(values.pull ? { pull: { remote: values.remote } } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  for (const o of result.outcomes) {
    const text = failureText(o);
    if (text) ctx.reporter.error(text);
  }
  const counts = countBy(result.outcomes);
  const summary = ['ran', 'restored', 'skipped', 'frozen', 'failed', 'blocked', 'interrupted', 'not-started']
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s === 'not-started' ? 'not started' : s}`)
    .join(', ');
  ctx.reporter.info(`${summary || 'nothing to do'} in ${formatDuration(result.durationMs)}`);
  const failed = result.outcomes.some((o) => FAILED.has(o.status));
  if (values.json) {
    ctx.stdout(
      JSON.stringify(
        {
          ok: !failed && !interrupt.requested,
          durationMs: Math.round(result.durationMs),
          stages: result.outcomes.map((o) => ({
            name: o.name,
            status: o.status,
            reasons: reasonsJson(o.reasons),
            ...(o.durationMs === undefined ? {} : { durationMs: Math.round(o.durationMs) }),
            ...(o.restoredFrom ? { restoredFrom: o.restoredFrom } : {}),
            ...(o.failure ? { failure: o.failure } : {}),
          })),
        },
        null,
        2,
      ),
    );
  }
  if (interrupt.requested) return interrupt.signal === 'SIGINT' ? 130 : 143;
  return failed ? 1 : 0;
}

function countBy(outcomes: StageOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

export const command: Command = {
  name: 'repro',
  summary: 'run the stages whose inputs changed',
  help: reproHelp,
  options,
  run: reproCommand,
};
