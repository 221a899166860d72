import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { PIPELINE_FILE } from '../constants.js';
import { ConfigError, isLockstepError } from '../errors.js';
import { fetchRevision } from '../git/fetch.js';
import { repoInfo } from '../git/git.js';
import { gateTable, gateVerdict, renderText } from '../metrics/format.js';
import { describeBound, evaluateGates } from '../metrics/gate.js';
import { selectGates } from '../metrics/gates-at.js';
import { readParamsAt } from '../metrics/params-at.js';
import { readRevisionMetricsWithGaps, readWorkspaceMetrics } from '../metrics/read.js';
import { topoOrder } from '../pipeline/dag.js';
import { edgesOf } from '../pipeline/dag-render.js';
import { openWorkspace } from '../run/workspace.js';
import { gatedFile, metricRows, paramRows } from './build-report.js';
import { GATES_FROM_BASE, GATES_FROM_HEAD, REPORT_VERSION } from './constants.js';
import { runStagesStep } from './engine.js';
import type { RunEvent } from './event.js';
import type { ActionInputs } from './inputs.js';
import type { ActionsReporter } from './reporter.js';
import { decideRemoteSteps, pullStep, pushStep } from './remote-steps.js';
import { failedStages, type ActionReport } from './report.js';

/** A report with nothing in it yet: what the summary shows when lockstep stopped before the pipeline. */
export function emptyReport(command: ActionReport['command'], event: RunEvent): ActionReport {
  return {
    version: REPORT_VERSION,
    command,
    verdict: 'pass',
    ...(event.owner ? { repository: `${event.owner}/${event.repo}` } : {}),
    ...(event.pullRequest ? { pullRequest: event.pullRequest.number } : {}),
    ...(event.headSha ? { headSha: event.headSha } : {}),
    ...(event.runUrl ? { runUrl: event.runUrl } : {}),
    gatesChanged: false,
    gates: [],
    metrics: [],
    params: [],
    stages: [],
    dag: { nodes: [], edges: [] },
  };
}

export function errorOf(err: unknown): NonNullable<ActionReport['error']> {
  if (isLockstepError(err)) return { message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** `gates-from` → the revision whose gates apply; `base` on pull requests unless the input says otherwise. */
function gatesRevision(inputs: ActionInputs, baseSha: string | undefined, event: RunEvent, reporter: ActionsReporter): string | undefined {
  const wanted = inputs.gatesFrom ?? (event.pullRequest ? GATES_FROM_BASE : GATES_FROM_HEAD);
  if (wanted === GATES_FROM_HEAD) return undefined;
  if (wanted !== GATES_FROM_BASE) return wanted;
  if (!baseSha) reporter.info('gates-from: base, but there is no baseline on this event: the gates of the workspace apply');
  return baseSha;
}

/**
 * The work of a `mode: run` or `mode: report` step, in order: fetch the baseline, pull, run, push, diff,
 * gates. Never throws: a failure is recorded in the report (the summary must still say what happened)
 * and ends the remaining steps.
 */
export async function produceReport(inputs: ActionInputs, event: RunEvent, reporter: ActionsReporter): Promise<ActionReport> {
  const report = emptyReport(inputs.command, event);
  try {
    const pipelineFile = join(inputs.workingDirectory, PIPELINE_FILE);
    if (!existsSync(pipelineFile)) {
      throw new ConfigError(`no ${PIPELINE_FILE} in ${inputs.workingDirectory}`, { hint: 'set working-directory to the folder that holds pipeline.yaml' });
    }
    const root = inputs.workingDirectory;
    const baseline = inputs.baseline ?? event.pullRequest?.baseSha;
    if (baseline) {
      report.baseSha = await core.group(`Baseline ${baseline}`, async () => fetchRevision(root, baseline, reporter));
    }
    const ws = openWorkspace(pipelineFile, reporter);
    report.dag = { nodes: topoOrder(ws.dag), edges: edgesOf(ws.dag) };
    const remote = decideRemoteSteps(inputs.pull, inputs.push, ws.config.remote !== undefined, event);
    // A remote the pull could not use (none configured, its folder missing) has been warned about by
    // pullStep: the stages then run without it.
    const pulled = remote.pull && (await core.group('Pull from the remote cache', () => pullStep(ws, reporter)));
    report.stages = await runStagesStep(ws, inputs.command, reporter, pulled);
    if (remote.push && inputs.command === 'repro' && failedStages(report).length === 0) await core.group('Push to the remote cache', () => pushStep(ws, reporter));

    const { current, base } = await core.group('Metrics and params diff', async () => {
      const current = readWorkspaceMetrics(ws.pipeline);
      // Gaps (cached baseline metrics this runner does not have) make relative gates fail closed.
      const base = report.baseSha ? readRevisionMetricsWithGaps(ws.pipeline, report.baseSha) : undefined;
      report.params = report.baseSha ? paramRows(readParamsAt(ws.pipeline, report.baseSha), readParamsAt(ws.pipeline, undefined)) : [];
      reporter.info(`${Object.keys(current).length} metrics file(s) read; ${report.params.length} param(s) changed`);
      return { current, base };
    });

    await core.group('Gates', async () => {
      const from = gatesRevision(inputs, report.baseSha, event, reporter);
      const selection = selectGates(ws.pipeline, { ...(from ? { gatesFrom: from } : {}), extra: inputs.gates }, reporter);
      if (from) report.gatesFrom = from === report.baseSha ? `the base (${from.slice(0, 7)})` : from;
      report.gatesChanged = selection.gatesChanged;
      if (selection.gatesChanged) reporter.warn(`this change edits a gate in ${PIPELINE_FILE}; the gates of ${report.gatesFrom} were applied`);
      const gates = evaluateGates(selection.gates, current, base?.metrics, base?.unreadable);
      reporter.info(gateVerdict(gates));
      if (gates.results.length) reporter.info(renderText(gateTable(gates, inputs.precision)));
      const { prefix } = repoInfo(root);
      for (const r of gates.results) {
        if (r.status !== 'fail') continue;
        const file = gatedFile(r, current, base?.metrics);
        core.error(`gate ${r.gate.metric} ${describeBound(r.gate)} failed: ${r.note ?? ''}${r.hint ? ` (${r.hint})` : ''}`, {
          title: 'lockstep gate',
          ...(file ? { file: `${prefix}${file}` } : {}),
        });
      }
      report.gates = gates.results.map((r) => ({
        metric: r.gate.metric,
        ...(r.gate.path ? { path: r.gate.path } : {}),
        bound: describeBound(r.gate),
        level: r.gate.level,
        status: r.status,
        ...(r.value === undefined ? {} : { value: r.value }),
        ...(r.baseline === undefined ? {} : { baseline: r.baseline }),
        ...(r.note ? { note: r.hint ? `${r.note}; ${r.hint}` : r.note } : {}),
      }));
      report.metrics = metricRows(current, base?.metrics, gates);
    });
  } catch (err) {
    reporter.endStageGroup();
    report.error = errorOf(err);
    if (!isLockstepError(err) && err instanceof Error) reporter.info(err.stack ?? err.message);
  }
  const failed = report.error || report.gates.some((g) => g.status === 'fail') || failedStages(report).length > 0;
  report.verdict = failed ? 'fail' : 'pass';
  return report;
}
