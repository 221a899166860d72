import { formatReason } from '../lock/compare.js';
import type { Reporter } from '../log.js';
import { planWorkspace, reproduce } from '../run/reproduce.js';
import type { Workspace } from '../run/workspace.js';
import type { StageRow } from './report.js';

/**
 * Runs the chosen command in-process and returns one row per stage. Stages run one at a time so that each
 * stage's output is one log group.
 */
export async function runStagesStep(ws: Workspace, command: 'repro' | 'status' | 'gate', reporter: Reporter & { endStageGroup(): void }): Promise<StageRow[]> {
  if (command === 'gate') return [];
  if (command === 'status') {
    const { plan } = planWorkspace(ws, { targets: [] });
    return plan.map((p) => ({ name: p.name, status: p.action === 'run' ? 'would-run' : p.action === 'frozen' ? 'frozen' : 'skipped' }));
  }
  const interrupt: { requested: boolean; onRequest?: () => void } = { requested: false };
  // A cancelled job gets SIGINT, then SIGTERM: stop the stages and record nothing for them, as the CLI does.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.requested) return;
    interrupt.requested = true;
    reporter.warn(`${signal}: stopping running stages; nothing is recorded for them`);
    interrupt.onRequest?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { outcomes } = await reproduce(ws, { targets: [], jobs: 1, interrupt });
    reporter.endStageGroup();
    for (const o of outcomes) {
      if (o.status === 'failed' && o.failure) {
        const tail = o.failure.tail.length ? `\nlast ${o.failure.tail.length} lines of output:\n${o.failure.tail.map((l) => `  | ${l}`).join('\n')}` : '';
        reporter.error(`${o.failure.message}${tail}`);
      } else if (o.status === 'blocked') {
        reporter.error(`stage ${o.name} did not run: ${o.reasons.map((r) => formatReason(r).replace('upstream stage will run', 'upstream stage failed')).join('; ')}`);
      }
    }
    return outcomes.map((o) => ({ name: o.name, status: o.status, ...(o.durationMs === undefined ? {} : { durationMs: Math.round(o.durationMs) }) }));
  } finally {
    reporter.endStageGroup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
