import { formatReason, type Reason } from '../lock/compare.js';

/** Reasons as data for `--json`: the structured reason plus the sentence we print. */
export function reasonsJson(reasons: Reason[]): (Reason & { message: string })[] {
  return reasons.map((r) => ({ ...r, message: formatReason(r) }));
}
