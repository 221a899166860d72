/** One dep or out as recorded in pipeline.lock. `nfiles` only for directories. */
export interface LockedPath {
  path: string;
  sha256: string;
  size: number;
  nfiles?: number;
}

export interface LockEntry {
  cmd: string | string[];
  deps: LockedPath[];
  /** params file → flattened key → value */
  params: Record<string, Record<string, unknown>>;
  /** env var → sha256 of its value, or null when it was unset */
  env: Record<string, string | null>;
  outs: LockedPath[];
}

export interface LockFile {
  version: number;
  stages: Record<string, LockEntry>;
  /** Raw data tracked with `lockstep add` (no stage produces it), sorted by path; absent when there is none. */
  data?: LockedPath[];
}
