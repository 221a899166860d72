import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { resolveRevision, tryReadAtRevision } from '../git/git.js';
import type { Reporter } from '../log.js';
import { parseGates } from '../pipeline/load.js';
import type { Pipeline } from '../pipeline/types.js';
import { gatesDiffer, gatesFromPipeline, parseGateExpression, type Gate } from './gate.js';

export interface GateSelection {
  gates: Gate[];
  /** True when `gatesFrom`'s gates differ from the workspace's: the change edits its own gate. */
  gatesChanged: boolean;
}

/**
 * The gates to apply: the pipeline file's own, or those of `gatesFrom`'s pipeline file (so a pull request
 * cannot loosen its own gate), plus extra expressions such as `recall>=0.7`. Shared by `gate` and the Action.
 */
export function selectGates(pipeline: Pipeline, opts: { gatesFrom?: string; extra?: string[] }, reporter: Reporter): GateSelection {
  const label = basename(pipeline.file);
  const headGates = gatesFromPipeline(pipeline.gates, label);
  let gates = headGates;
  let gatesChanged = false;
  const from = opts.gatesFrom;
  if (from) {
    const commit = resolveRevision(pipeline.root, from);
    const text = tryReadAtRevision(pipeline.root, commit, label);
    if (text === undefined) {
      reporter.warn(`${label} does not exist at ${from}; using the gates of the workspace`);
    } else {
      gates = gatesFromPipeline(parseGates(text, `${label}@${from}`), `${label}@${from}`);
      gatesChanged = gatesDiffer(gates, headGates);
    }
  }
  const extra: Gate[] = [];
  for (const expr of opts.extra ?? []) {
    const g = parseGateExpression(expr);
    if ('error' in g) throw new UsageError(g.error);
    extra.push(g);
  }
  return { gates: [...gates, ...extra], gatesChanged };
}
