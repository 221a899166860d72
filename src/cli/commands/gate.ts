import { basename } from 'node:path';
import { UsageError } from '../../errors.js';
import { gateTable, gateVerdict, renderMarkdown, renderText } from '../../metrics/format.js';
import { evaluateGates } from '../../metrics/gate.js';
import { selectGates } from '../../metrics/gates-at.js';
import { readRevisionMetricsWithGaps, readWorkspaceMetrics } from '../../metrics/read.js';
import { loadPipeline } from '../../pipeline/load.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { OUTPUT_OPTIONS, parsePrecision } from '../output.js';

export const gateHelp = `usage: lockstep gate [--baseline REV] [--gates-from REV] [--gate EXPR]... [--json|--md] [--precision N]

Evaluates the gates of pipeline.yaml (and --gate expressions) on the workspace metrics; exits 1 when an
error-level gate fails.

  --baseline REV     compare with the metrics committed at REV (default: none, see below)
  --gates-from REV   take the gates from REV's pipeline file (a change cannot loosen its own gate)
  --gate EXPR        extra gate: recall>=0.7  loss<=0.3  accuracy:drop<=0.02  f1:drop<=2%  latency_ms:rise<=10%
                     'slices.*.recall>=0.6'

gates: in pipeline.yaml, one entry per metric (flattened name), any of these bounds:
  min: X / max: X                     value >= X / value <= X
  max_drop: X / max_rise: X           baseline - value <= X / value - baseline <= X
  max_drop_pct: P / max_rise_pct: P   the same, as a percentage of |baseline|
  path: FILE                          the metrics file to read (when two files have the key)
  level: warn                         reported, never fails (default: error)
  direction: higher|lower             which way is better (default: from the name, else a lone max says
                                      lower); bounds do not depend on it
  e.g.  recall: {min: 0.70}   accuracy: {min: 0.60, max_drop: 0.02}   loss: {max_rise_pct: 5, level: warn}
A * in the name stands for one name segment: slices.*.recall: {min: 0.6} gates every matching metric,
each in its own row (a drop/rise compares each with the same name at the baseline); a pattern that
matches nothing fails.

A gated metric that is missing or not a number fails (fail closed). Without --baseline the drop/rise
gates show "n/a (no baseline)" and do not fail; with one, a baseline that lacks the metric or cannot be
read (cached metrics not in the local cache) fails them too, unless level: warn. min/max are always
checked. Baselines by default: gate none, metrics diff HEAD, the GitHub Action (planned) the
pull request's base commit.`;

const options = {
  ...OUTPUT_OPTIONS,
  baseline: { type: 'string' },
  'gates-from': { type: 'string' },
  gate: { type: 'string', multiple: true },
} satisfies Options;

export async function gateCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('gate', args, options);
  if (positionals.length) throw new UsageError(`gate takes no positional arguments (got ${positionals.join(' ')})`, { hint: 'use --baseline REV' });
  const precision = parsePrecision(values.precision);
  const pipeline = loadPipeline(ctx.pipelineFile);
  const label = basename(pipeline.file);
  const from = values['gates-from'];
  const { gates, gatesChanged } = selectGates(pipeline, { ...(from ? { gatesFrom: from } : {}), extra: values.gate ?? [] }, ctx.reporter);

  const current = readWorkspaceMetrics(pipeline);
  const baseline = values.baseline ? readRevisionMetricsWithGaps(pipeline, values.baseline) : undefined;
  const report = evaluateGates(gates, current, baseline?.metrics, baseline?.unreadable);
  const changedNote = gatesChanged
    ? `the gates in ${label} differ from ${from}'s; ${from}'s gates were applied (a change cannot loosen its own gate)`
    : undefined;

  if (values.json) {
    ctx.stdout(JSON.stringify({ verdict: report.verdict, baseline: values.baseline ?? null, gatesFrom: from ?? null, gatesChanged, results: report.results }, null, 2));
  } else {
    const lines = [gateVerdict(report)];
    if (changedNote) lines.push(values.md ? `> **Warning**: ${changedNote}` : `WARNING: ${changedNote}`);
    if (report.results.length) lines.push('', values.md ? renderMarkdown(gateTable(report, precision)) : renderText(gateTable(report, precision)));
    const hints = [...new Set(report.results.filter((r) => r.status !== 'pass' && r.hint).map((r) => r.hint!))];
    if (hints.length) lines.push('', ...hints.map((h) => `hint: ${h}`));
    ctx.stdout(lines.join('\n'));
  }
  if (changedNote) ctx.reporter.warn(changedNote);
  return report.verdict === 'fail' ? 1 : 0;
}

export const command: Command = {
  name: 'gate',
  summary: 'evaluate the gates on the metrics; exit 1 when one fails',
  help: gateHelp,
  options,
  run: gateCommand,
};
