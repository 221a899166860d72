import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from '../log.js';
import { readLock, serializeLock } from '../lock/lock-file.js';
import { evaluateGates, type Gate } from '../metrics/gate.js';
import { readWorkspaceMetrics, type MetricsByFile } from '../metrics/read.js';
import { checkoutOuts } from '../run/checkout-outs.js';
import { failureText } from '../run/failure-text.js';
import { reproduce } from '../run/reproduce.js';
import type { StageOutcome, StageStatus } from '../run/scheduler.js';
import { openWorkspace, type Workspace } from '../run/workspace.js';
import { applyOverrides, type Variant } from './overrides.js';
import type { ExpRecord } from './records.js';
import { RECORD_VERSION } from './records.js';
import { createVariantWorkspace, type Snapshot } from './variant-workspace.js';

export interface VariantContext {
  snapshot: Snapshot;
  /** The pipeline file, relative to the pipeline root. */
  pipelineFile: string;
  baseCommit: string | null;
  gates: Gate[];
  /** HEAD's metrics, for drop/rise gates; undefined outside git. */
  baseline: MetricsByFile | undefined;
  reporter: Reporter;
}

/** Logs of a variant's run, each line tagged with the variant so parallel variants can be told apart. */
function variantReporter(name: string, parent: Reporter): Reporter {
  return {
    info: (m) => parent.debug(`[${name}] ${m}`),
    warn: (m) => parent.warn(`[${name}] ${m}`),
    error: (m) => parent.error(`[${name}] ${m}`),
    debug: (m) => parent.debug(`[${name}] ${m}`),
    trace: (m) => parent.trace(`[${name}] ${m}`),
    progress: () => {},
    stageOutput: (stage, line) => parent.debug(`[${name}] ${stage} | ${line}`),
  };
}

/**
 * Runs one variant in its own copy of the workspace and returns its record, or undefined when it was
 * interrupted (nothing is recorded for it). The copy is removed either way: everything worth keeping is
 * in the shared cache, including `cache: false` outs such as metrics, stored here so `exp apply` can
 * bring them back.
 */
export async function runVariant(
  ctx: VariantContext,
  name: string,
  variant: Variant,
  interrupt: { requested: boolean; onRequest?: () => void },
): Promise<ExpRecord | undefined> {
  const started = performance.now();
  const copy = createVariantWorkspace(ctx.snapshot, name);
  try {
    // Before opening: cmd templates (`${train.C}`) are resolved when the pipeline loads.
    applyOverrides(copy.root, variant);
    const ws = openWorkspace(join(copy.root, ctx.pipelineFile), variantReporter(name, ctx.reporter));
    checkoutOuts(ws, [], false);
    // With a default remote, a changed stage is looked up there too (repro --pull): a variant anyone ever
    // ran and pushed restores instead of running; remote trouble is one warning and a miss.
    const pull = ws.config.remote === undefined ? {} : { pull: { remote: undefined } };
    const result = await reproduce(ws, { targets: [], jobs: 1, interrupt, ...pull });
    if (interrupt.requested) return undefined;
    const failed = result.outcomes.find((o) => o.status === 'failed');
    const lock = readLock(ws.pipeline.lockFile);
    storeUncachedOuts(ws, Object.values(lock.stages).flatMap((e) => e.outs.map((o) => o.path)));
    const metrics = readWorkspaceMetrics(ws.pipeline);
    const report = evaluateGates(ctx.gates, metrics, ctx.baseline);
    const stages: Record<string, StageStatus> = {};
    for (const o of result.outcomes) stages[o.name] = o.status;
    return {
      version: RECORD_VERSION,
      name,
      createdAt: new Date().toISOString(),
      baseCommit: ctx.baseCommit,
      overrides: variant,
      status: failed ? 'failed' : 'ok',
      ...(failed ? { failure: failureText(withoutLog(failed)) ?? `stage ${failed.name} failed` } : {}),
      stages,
      lock: serializeLock(lock),
      metrics,
      gate: { verdict: report.verdict, failed: [...new Set(report.results.filter((r) => r.status === 'fail').map((r) => r.gate.metric))] },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    copy.remove();
  }
}

/** The outcome without its log path: the log was in the variant's copy, which is gone. */
function withoutLog(o: StageOutcome): StageOutcome {
  if (!o.failure) return o;
  const { log: _log, ...failure } = o.failure;
  return { ...o, failure };
}

/** Puts the outs the cache skips (`cache: false`) into the object store, by the digest the lock records. */
function storeUncachedOuts(ws: Workspace, paths: string[]): void {
  for (const path of paths) {
    const digest = ws.hasher.tryDigest(path);
    if (digest?.kind === 'file') ws.objects.putBytes(readFileSync(join(ws.root, path)), digest.sha256);
    else if (digest) ws.objects.putPath(join(ws.root, path), digest);
  }
}
