import { failureText } from '../run/failure-text.js';
import { planWorkspace } from '../run/plan-workspace.js';
import { reproduce } from '../run/reproduce.js';
import type { Workspace } from '../run/workspace.js';
import type { ActionsReporter } from './reporter.js';
import type { StageRow } from './report.js';

/**
 * Runs the chosen command in-process and returns one row per stage. Stages run one at a time so that each
 * stage's output is one log group.
 */
export async function runStagesStep(ws: Workspace, command: 'repro' | 'status' | 'gate', reporter: ActionsReporter, pullFromRemote = false): Promise<StageRow[]> {
  if (command === 'gate') return [];
  if (command === 'status') {
    const { plan } = await planWorkspace(ws, { targets: [] });
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
    // With a remote, a changed stage looks for its run record there before running (repro --pull).
    const { outcomes } = await reproduce(ws, { targets: [], jobs: 1, interrupt, ...(pullFromRemote ? { pull: { remote: undefined } } : {}) });
    reporter.endStageGroup();
    for (const o of outcomes) {
      const text = failureText(o);
      if (text) reporter.error(text);
    }
    return outcomes.map((o) => ({ name: o.name, status: o.status, ...(o.durationMs === undefined ? {} : { durationMs: Math.round(o.durationMs) }) }));
  } finally {
    reporter.endStageGroup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
