import { parseLockText, writeLock } from '../lock/lock-file.js';
import { checkoutOuts, type CheckoutResult } from '../run/checkout-outs.js';
import { withWorkspaceLock } from '../run/workspace-lock.js';
import { openWorkspace } from '../run/workspace.js';
import type { Reporter } from '../log.js';
import { tmpDirOf } from '../constants.js';
import { applyOverrides } from './overrides.js';
import { readRecord } from './records.js';

/**
 * Makes the workspace what the experiment produced: its params written into the params files, its lock
 * as pipeline.lock, and its outputs checked out from the cache. Outputs whose current content is not in
 * the cache are refused rather than overwritten (as `lockstep checkout` does).
 */
export function applyExperiment(pipelineFile: string, name: string, reporter: Reporter): CheckoutResult {
  const before = openWorkspace(pipelineFile, reporter);
  const record = readRecord(before.root, name);
  const lock = parseLockText(record.lock, `experiment ${name}`);
  withWorkspaceLock(before.root, () => {
    applyOverrides(before.root, record.overrides);
    writeLock(before.pipeline.lockFile, lock, tmpDirOf(before.root));
  });
  // Reopened: the params just written may change interpolated cmds.
  return checkoutOuts(openWorkspace(pipelineFile, reporter), [], false);
}
