import { relative } from 'node:path';
import { formatReason } from '../lock/compare.js';
import type { StageOutcome } from './scheduler.js';

/** What to tell the user about a stage that failed or was blocked (undefined for any other outcome). */
export function failureText(o: StageOutcome): string | undefined {
  if (o.status === 'blocked') {
    return `stage ${o.name} did not run: ${o.reasons.map((r) => formatReason(r).replace('upstream stage will run', 'upstream stage failed')).join('; ')}`;
  }
  if (o.status !== 'failed' || !o.failure) return undefined;
  const lines = [o.failure.message];
  if (o.failure.tail.length) {
    lines.push(`last ${o.failure.tail.length} lines of output:`, ...o.failure.tail.map((l) => `  | ${l}`));
  }
  if (o.failure.log) lines.push(`full log: ${relative(process.cwd(), o.failure.log)}`);
  return lines.join('\n');
}
