import { execaSync } from 'execa';
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { UsageError } from '../errors.js';
import { gatesFromPipeline } from '../metrics/gate.js';
import { readRevisionMetrics, type MetricsByFile } from '../metrics/read.js';
import type { Reporter } from '../log.js';
import type { Pipeline } from '../pipeline/types.js';
import { withWorkspaceLock } from '../run/workspace-lock.js';
import { ensureLockstepDir } from '../run/workspace.js';
import { formatDuration } from '../util/format.js';
import { describeVariant, type Variant } from './overrides.js';
import { checkName, hasRecord, writeRecord, type ExpRecord } from './records.js';
import { runVariant, type VariantContext } from './run-variant.js';
import { snapshotWorkspace } from './variant-workspace.js';

export interface SweepRequest {
  variants: Variant[];
  /** `--name`: the name of a single variant, the prefix (`NAME-1`, …) of a sweep's. */
  name?: string;
  jobs: number;
  interrupt: { requested: boolean; onRequest?: () => void };
}

export interface SweepResult {
  records: ExpRecord[];
  /** Variants that were running or waiting when the sweep was interrupted. */
  notRecorded: number;
}

/** Names for the variants: given ones must be new (a record is never silently replaced), generated ones are. */
function variantNames(root: string, count: number, name: string | undefined): string[] {
  if (name !== undefined) {
    const names = count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
    for (const n of names) {
      checkName(n);
      if (hasRecord(root, n)) throw new UsageError(`experiment ${n} already exists`, { hint: `choose another --name, or remove it first: lockstep exp remove ${n}` });
    }
    return names;
  }
  const names: string[] = [];
  while (names.length < count) {
    const n = `exp-${randomBytes(3).toString('hex')}`;
    if (!names.includes(n) && !hasRecord(root, n)) names.push(n);
  }
  return names;
}

function gitHead(root: string): string | null {
  const r = execaSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, reject: false, encoding: 'utf8' });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

function summary(record: ExpRecord): string {
  const counts = new Map<string, number>();
  for (const status of Object.values(record.stages)) counts.set(status, (counts.get(status) ?? 0) + 1);
  const stages = [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'nothing to do';
  if (record.status === 'failed') return `FAILED (${stages})`;
  return `${stages}, gate ${record.gate.verdict}${record.gate.failed.length ? ` (${record.gate.failed.join(', ')})` : ''}`;
}

/**
 * Runs the variants, up to `jobs` at a time, each in its own copy of the workspace; each record is written
 * as soon as its variant finishes, so an interrupted sweep keeps what finished. The workspace itself is
 * never written.
 */
export async function runSweep(pipeline: Pipeline, req: SweepRequest, reporter: Reporter): Promise<SweepResult> {
  const names = variantNames(pipeline.root, req.variants.length, req.name);
  const baseCommit = gitHead(pipeline.root);
  let baseline: MetricsByFile | undefined;
  if (baseCommit) baseline = readRevisionMetrics(pipeline, baseCommit);
  // The variants link to the workspace's cache: it must exist even when `exp run` is the first command.
  ensureLockstepDir(pipeline.root);
  // Under the workspace lock: a repro writing outputs meanwhile would give the snapshot half a run.
  const snapshot = withWorkspaceLock(pipeline.root, () => snapshotWorkspace(pipeline.root));
  const ctx: VariantContext = {
    snapshot,
    pipelineFile: relative(pipeline.root, pipeline.file),
    baseCommit,
    gates: gatesFromPipeline(pipeline.gates, 'pipeline.yaml'),
    baseline,
    reporter,
  };
  const running = new Set<{ requested: boolean; onRequest?: () => void }>();
  req.interrupt.onRequest = () => {
    for (const r of running) {
      r.requested = true;
      r.onRequest?.();
    }
  };
  const records: ExpRecord[] = [];
  let next = 0;
  let thrown: unknown;
  const worker = async () => {
    while (next < req.variants.length && !req.interrupt.requested) {
      const i = next++;
      const name = names[i]!;
      const label = `${name} ${describeVariant(req.variants[i]!)}`.trimEnd();
      const own = { requested: false };
      running.add(own);
      reporter.info(`${label}: running`);
      try {
        const record = await runVariant(ctx, name, req.variants[i]!, own);
        if (!record) continue;
        writeRecord(pipeline.root, record);
        records.push(record);
        reporter.info(`${label}: ${summary(record)} in ${formatDuration(record.durationMs)}`);
      } catch (err) {
        // A broken variant (bad params file, busy cache) stops the sweep; what finished stays recorded.
        thrown ??= err;
        req.interrupt.requested = true;
        req.interrupt.onRequest?.();
      } finally {
        running.delete(own);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(req.jobs, req.variants.length) }, worker));
  } finally {
    snapshot.remove();
  }
  if (thrown !== undefined) throw thrown;
  return { records, notRecorded: req.variants.length - records.length };
}
