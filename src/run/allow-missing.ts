import type { Reason, StageState } from '../lock/compare.js';
import type { LockedPath } from '../lock/types.js';

/** `repro --allow-missing` (DVC's flag, for CI): a stage whose only change is absent outputs is not run. */
export const onlyOutsMissing = (reasons: readonly Reason[]): boolean => reasons.length > 0 && reasons.every((r) => r.kind === 'out-missing');

/**
 * The state with deps that are absent because their producer was let off by --allow-missing taken as
 * the producer's locked outs, so the stages below judge them by the lock instead of as missing.
 */
export function withAssumedDeps(state: StageState, assumed: ReadonlyMap<string, LockedPath>): StageState {
  if (assumed.size === 0 || state.deps.every((d) => d.digest)) return state;
  return { ...state, deps: state.deps.map((d) => (d.digest ? d : { path: d.path, digest: assumed.get(d.path) })) };
}
