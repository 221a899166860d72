import { UsageError } from '../../errors.js';
import { applyExperiment } from '../../exp/apply.js';
import { expandGrid, parseSetArg, resolveSpecs } from '../../exp/overrides.js';
import { listRecords, readRecord, removeRecord } from '../../exp/records.js';
import { buildShow, recordParams } from '../../exp/show.js';
import { runSweep } from '../../exp/sweep.js';
import { diffValues } from '../../metrics/diff.js';
import { diffTable, type Table } from '../../metrics/format.js';
import { loadPipeline } from '../../pipeline/load.js';
import { exactReplacer } from '../../util/decimal-text.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { OUTPUT_OPTIONS, parsePrecision, renderTable } from '../output.js';
import { renderShow } from '../exp-table.js';
import { parseJobs } from './repro.js';

export const expHelp = `usage: lockstep exp run [-S [FILE:]KEY=VALUE]... [--name NAME] [-j N|auto] [--apply]
       lockstep exp show [--md|--json|--csv] [--sort METRIC] [--metrics M1,M2] [--only-changed] [--precision N]
       lockstep exp diff A B [--md|--json] [--precision N]
       lockstep exp apply NAME
       lockstep exp remove NAME...|--all

run     runs the pipeline with params overridden, in an isolated copy of the workspace that shares the
        cache: params.yaml is never left edited (unless --apply), and a variant that ran before is restored
        from the run-cache. VALUE is read as YAML (0.1, true, none); a comma list makes a sweep over every
        combination:  -S train.C=0.1,1,10 -S train.class_weight=none,balanced  (6 variants).
        FILE defaults to params.yaml. Each experiment is recorded under .lockstep/exps/ (git-ignored).
  -S, --set [FILE:]KEY=VALUE[,VALUE...]   override a param (repeatable)
  -n, --name NAME     the experiment's name (a sweep's are NAME-1, NAME-2, ...); default exp-<random>
  -j, --jobs N|auto   run up to N variants at once (default 1)
  --apply             a single variant only: afterwards, write its params, lock and outputs into the workspace
show    one row per experiment, plus the workspace and HEAD: overridden params, every metric (or those of
        --metrics; * marks the best value, by the gate's direction or the metric's name), the gate verdict
diff    the params (all that the stages were locked with) and metrics that differ between two experiments
apply   writes an experiment's params into the params files, its lock into pipeline.lock, and checks its
        outputs out from the cache
remove  deletes experiment records (their cached outputs stay until lockstep gc)`;

const RUN_OPTIONS = {
  set: { type: 'string', short: 'S', multiple: true },
  name: { type: 'string', short: 'n' },
  jobs: { type: 'string', short: 'j' },
  apply: { type: 'boolean' },
} satisfies Options;
const SHOW_OPTIONS = {
  ...OUTPUT_OPTIONS,
  csv: { type: 'boolean' },
  sort: { type: 'string' },
  metrics: { type: 'string' },
  'only-changed': { type: 'boolean' },
} satisfies Options;
const REMOVE_OPTIONS = { all: { type: 'boolean' } } satisfies Options;
/** Each subcommand takes only its own flags: `exp show -S x` is a mistake worth saying. */
const SUBCOMMAND_OPTIONS: Record<string, Options> = { run: RUN_OPTIONS, show: SHOW_OPTIONS, diff: OUTPUT_OPTIONS, apply: {}, remove: REMOVE_OPTIONS };
const options = { ...RUN_OPTIONS, ...SHOW_OPTIONS, ...REMOVE_OPTIONS } satisfies Options;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

async function runSub(ctx: CommandContext, values: Values, positionals: string[]): Promise<number> {
  if (positionals.length) throw new UsageError(`exp run takes no positional arguments (got ${positionals.join(' ')})`, { hint: 'params are set with -S KEY=VALUE' });
  const pipeline = loadPipeline(ctx.pipelineFile);
  const variants = expandGrid(resolveSpecs(pipeline, (values.set ?? []).map(parseSetArg)));
  if (values.apply && variants.length > 1) {
    throw new UsageError(`--apply needs a single variant; this sweep has ${variants.length}`, { hint: 'run the sweep, compare with lockstep exp show, then lockstep exp apply NAME' });
  }
  const interrupt: { requested: boolean; signal?: NodeJS.Signals; onRequest?: () => void } = { requested: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.requested) return;
    interrupt.requested = true;
    interrupt.signal = signal;
    ctx.reporter.warn(`${signal}: stopping running variants; finished ones stay recorded`);
    interrupt.onRequest?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await runSweep(pipeline, { variants, ...(values.name === undefined ? {} : { name: values.name }), jobs: parseJobs(values.jobs), interrupt }, ctx.reporter);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupt.requested) {
    ctx.reporter.warn(`${result.records.length} of ${variants.length} variants recorded; ${result.notRecorded} not`);
    return interrupt.signal === 'SIGINT' ? 130 : 143;
  }
  for (const r of result.records) if (r.failure) ctx.reporter.error(`${r.name}: ${r.failure}`);
  const failed = result.records.some((r) => r.status === 'failed');
  const incomplete = values.apply && !failed && reportCheckout(ctx, applyExperiment(ctx.pipelineFile, result.records[0]!.name, ctx.reporter));
  ctx.reporter.info(`compare them: lockstep exp show`);
  return failed || incomplete ? 1 : 0;
}

/** Says what the checkout of an experiment's outputs left undone; true when the workspace is not all the experiment's. */
function reportCheckout(ctx: CommandContext, r: ReturnType<typeof applyExperiment>): boolean {
  for (const p of r.restored) ctx.reporter.info(`checked out ${p}`);
  if (r.refused.length) ctx.reporter.error(`not overwritten (their current content is not in the cache): ${r.refused.join(', ')}\nhint: save them elsewhere, then lockstep checkout --force`);
  if (r.missing.length) ctx.reporter.error(`not in the cache: ${r.missing.join(', ')}\nhint: lockstep repro rebuilds them from the experiment's params`);
  return r.refused.length + r.missing.length + r.ignored.length > 0;
}

function showSub(ctx: CommandContext, values: Values, positionals: string[]): number {
  if (positionals.length) throw new UsageError('exp show takes no positional arguments');
  const pipeline = loadPipeline(ctx.pipelineFile);
  const table = buildShow(pipeline, {
    ...(values.sort === undefined ? {} : { sort: values.sort }),
    ...(values.metrics === undefined ? {} : { metrics: values.metrics.split(',').map((m) => m.trim()).filter(Boolean) }),
    onlyChanged: values['only-changed'] ?? false,
  });
  if (values.json) ctx.stdout(JSON.stringify(table, exactReplacer, 2));
  else ctx.stdout(renderShow(table, values.csv ? 'csv' : values.md ? 'md' : 'text', parsePrecision(values.precision)));
  return 0;
}

function diffSub(ctx: CommandContext, values: Values, positionals: string[]): number {
  if (positionals.length !== 2) throw new UsageError('exp diff needs two experiment names', { hint: 'lockstep exp show lists them' });
  const pipeline = loadPipeline(ctx.pipelineFile);
  const [a, b] = positionals.map((n) => readRecord(pipeline.root, n)) as [ReturnType<typeof readRecord>, ReturnType<typeof readRecord>];
  const params = diffValues(recordParams(a), recordParams(b));
  const metrics = diffValues(a.metrics, b.metrics);
  if (values.json) {
    ctx.stdout(JSON.stringify({ a: a.name, b: b.name, params, metrics, gate: { [a.name]: a.gate, [b.name]: b.gate } }, exactReplacer, 2));
    return 0;
  }
  const precision = parsePrecision(values.precision);
  const labels: [string, string] = [a.name, b.name];
  const section = (title: string, table: Table, empty: string) => `${values.md ? `### ${title}` : `${title}:`}\n${renderTable(table, values.md, empty)}`;
  ctx.stdout(
    [
      section('Params', diffTable(params, labels, precision, 'Param'), 'No params differ.'),
      section('Metrics', diffTable(metrics, labels, precision), 'No metrics differ.'),
      `gate: ${a.name} ${a.gate.verdict}, ${b.name} ${b.gate.verdict}`,
    ].join('\n\n'),
  );
  return 0;
}

function applySub(ctx: CommandContext, positionals: string[]): number {
  if (positionals.length !== 1) throw new UsageError('exp apply needs one experiment name');
  if (reportCheckout(ctx, applyExperiment(ctx.pipelineFile, positionals[0]!, ctx.reporter))) {
    ctx.reporter.error(`${positionals[0]} applied in part: its params and pipeline.lock are written, some outputs are not the experiment's (above)`);
    return 1;
  }
  ctx.reporter.info(`applied ${positionals[0]}: params, pipeline.lock and outputs are the experiment's (git diff shows the params)`);
  return 0;
}

function removeSub(ctx: CommandContext, values: Values, positionals: string[]): number {
  const root = loadPipeline(ctx.pipelineFile).root;
  if (values.all === (positionals.length > 0)) throw new UsageError('exp remove needs experiment names or --all (not both)');
  const names = values.all ? listRecords(root).map((r) => r.name) : positionals;
  for (const name of names) removeRecord(root, name);
  ctx.reporter.info(`removed ${names.length} experiment${names.length === 1 ? '' : 's'}`);
  return 0;
}

export async function expCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && Object.hasOwn(SUBCOMMAND_OPTIONS, sub)) parseCommandArgs(`exp ${sub}`, rest, SUBCOMMAND_OPTIONS[sub]!);
  const { values, positionals } = parseCommandArgs(`exp ${sub ?? ''}`.trim(), rest, options);
  switch (sub) {
    case 'run':
      return runSub(ctx, values, positionals);
    case 'show':
      return showSub(ctx, values, positionals);
    case 'diff':
      return diffSub(ctx, values, positionals);
    case 'apply':
      return applySub(ctx, positionals);
    case 'remove':
      return removeSub(ctx, values, positionals);
    default:
      throw new UsageError(sub ? `unknown exp subcommand '${sub}'` : 'lockstep exp needs a subcommand', { hint: 'run, show, diff, apply or remove (lockstep exp --help)' });
  }
}

export const command: Command = {
  name: 'exp',
  summary: 'run parameter variants (sweeps in parallel) and compare them',
  help: expHelp,
  options,
  run: expCommand,
};
