import { join } from 'node:path';
import { stateRootOf } from './util/repo-root.js';

/** Every name lockstep reads or writes in a user's repository, in one place. */
export const PIPELINE_FILE = 'pipeline.yaml';
export const DEFAULT_PARAMS_FILE = 'params.yaml';
export const LOCK_FILE = 'pipeline.lock';
export const LOCK_VERSION = 1;

export const LOCKSTEP_DIR = '.lockstep';
export const CONFIG_FILE = 'config.yaml';
export const LOCAL_CONFIG_FILE = 'config.local.yaml';
export const CACHE_DIR = 'cache';
export const TMP_DIR = 'tmp';
export const OBJECTS_DIR = 'files/sha256';
export const RUNS_DIR = 'runs';
/** `.lockstep/cache/remote-runs/`: which version of each remote run record is merged here (one file per remote). */
export const REMOTE_RECORDS_DIR = 'remote-runs';
export const STAT_CACHE_FILE = 'stat-cache.tsv';
export const WORKSPACE_LOCK_FILE = 'repro.pid';
export const STAGE_LOGS_DIR = 'logs';
/** `.lockstep/exps/`: one record per experiment (git-ignored). */
export const EXPS_DIR = 'exps';
/** `.lockstep/tmp/exp/<name>/`: the isolated copy a variant runs in. */
export const EXP_WORKSPACES_DIR = 'exp';

/** Salts every persisted digest memo and fingerprint, so a format change can never reuse stale entries. */
export const STAT_CACHE_VERSION = 1;

export const ENV_ROOT = 'LOCKSTEP_ROOT';
export const ENV_STAGE = 'LOCKSTEP_STAGE';

/** Lines of a failed stage's output quoted in the error. */
export const FAILURE_TAIL_LINES = 20;
/** Grace period between SIGTERM and SIGKILL when stopping a stage's process group. */
export const KILL_GRACE_MS = 3000;
/** Salts run-cache keys; bump when what goes into a key changes (2: deps keyed with their kind, file or dir). */
export const RUN_CACHE_VERSION = 2;
export const CORRUPT_DIR = 'corrupt';

/**
 * The `.lockstep/` holding the state of whatever is in `dir` (any folder of the repository): every path
 * into `.lockstep/` is built from this, so no caller can put state beside a pipeline in a subfolder.
 */
export function stateDirOf(dir: string): string {
  return join(stateRootOf(dir), LOCKSTEP_DIR);
}

/** `.lockstep/tmp` of a workspace: temp files live here, never beside the user's files. */
export function tmpDirOf(dir: string): string {
  return join(stateDirOf(dir), TMP_DIR);
}

/**
 * `.lockstep/tmp/logs/[<pipeline file>/]<stage>.log`, absolute. `pipelineFile` is relative to the state
 * root: stages of different pipeline files may share a name. The state root's pipeline.yaml gets no folder.
 * Generated stage names can hold any character (`train@../../x`), so the name is encoded into one safe file name.
 */
export function stageLogPath(stateRoot: string, pipelineFile: string, stage: string): string {
  const folder = pipelineFile === PIPELINE_FILE ? [] : pipelineFile.split('/');
  return join(stateRoot, LOCKSTEP_DIR, TMP_DIR, STAGE_LOGS_DIR, ...folder, `${encodeURIComponent(stage).replace(/%40/g, '@')}.log`);
}

/**
 * `.lockstep/tmp/parsed-<name>.json`: a parse memoized by the content hash of the file (util/parse-memo.ts).
 * Names are paths relative to the state root, so two pipelines' `pipeline.lock` never share a memo.
 */
export function parseMemoPath(dir: string, name: string): string {
  return join(stateDirOf(dir), TMP_DIR, `parsed-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}
