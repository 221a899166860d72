import { SHA256_HEX, type ManifestEntry } from '../hash/digest.js';
import { isPlainRelative } from '../util/safe-path.js';
import type { LockedPath } from '../lock/types.js';

/**
 * Shape checks for what arrives from a remote (anyone with write access may have put it there): a
 * manifest or run record that fails them is treated as absent, never used. Paths must be relative and
 * stay inside their directory.
 */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSize = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function asManifest(data: unknown): ManifestEntry[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const ok = data.every((e) => isObject(e) && isPlainRelative(e.path) && typeof e.sha256 === 'string' && SHA256_HEX.test(e.sha256) && isSize(e.size));
  return ok ? (data as ManifestEntry[]) : undefined;
}

/**
 * A run record's out path may climb (`../data/x` from a pipeline in a subfolder): it is only ever used
 * when it equals an out the pipeline declares, and checked against the repository before writing.
 */
function isLockedPath(v: unknown): v is LockedPath {
  return isObject(v) && typeof v.path === 'string' && v.path !== '' && typeof v.sha256 === 'string' && SHA256_HEX.test(v.sha256) && isSize(v.size) && (v.nfiles === undefined || isSize(v.nfiles));
}

/** The results of a run record file of the given version, or undefined when it is not one. */
export function asRunResults(data: unknown, version: number): { outs: LockedPath[]; createdAt: string }[] | undefined {
  if (!isObject(data) || data.version !== version || !Array.isArray(data.results)) return undefined;
  const ok = data.results.every((r) => isObject(r) && typeof r.createdAt === 'string' && Array.isArray(r.outs) && r.outs.every(isLockedPath));
  return ok ? (data.results as { outs: LockedPath[]; createdAt: string }[]) : undefined;
}
