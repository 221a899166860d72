import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { removeStaleTemps } from '../util/atomic-write.js';
import { msText } from '../util/format.js';
import { relPosix } from '../util/paths.js';
import { stateRootOf } from '../util/repo-root.js';
import { warnLegacyStateDirs } from './legacy-state.js';
import { ObjectStore } from '../cache/object-store.js';
import { RunRecords } from '../cache/run-records.js';
import { CACHE_DIR, parseMemoPath, STAT_CACHE_FILE, stateDirOf, TMP_DIR, tmpDirOf } from '../constants.js';
import { Hasher } from '../hash/hasher.js';
import { StatCache } from '../hash/stat-cache.js';
import type { LockedPath } from '../lock/types.js';
import type { Reporter } from '../log.js';
import { loadConfig, type Config } from '../pipeline/config.js';
import type { Dag } from '../pipeline/dag.js';
import { loadPipeline } from '../pipeline/load.js';
import { ParamsReader, paramsMemo } from '../pipeline/params.js';
import { checkedDag } from '../pipeline/rules.js';
import { isExternalPath, refuseExternalOuts } from '../pipeline/external.js';
import { underPrefix } from '../pipeline/pipeline-set.js';
import { validateRemotes } from '../remote/registry.js';
import type { Pipeline } from '../pipeline/types.js';

/** Everything one command needs about the repository it works in, opened once. */
export interface Workspace {
  root: string;
  /** Where `.lockstep/` is (stateRootOf): the repository root, shared by every pipeline file in it. */
  stateRoot: string;
  /** `root` relative to `stateRoot` (`.` when the same): paths the state keys are rebased with it. */
  statePrefix: string;
  pipeline: Pipeline;
  dag: Dag;
  hasher: Hasher;
  statCache: StatCache;
  objects: ObjectStore;
  runs: RunRecords;
  config: Config;
  params: ParamsReader;
  reporter: Reporter;
  /** Where the parsed lock is memoized (see util/parse-memo.ts). */
  lockMemo: string;
  /** Fingerprints of external (URL) deps, filled by fingerprintExternalDeps before planning. */
  external: Map<string, LockedPath>;
  /** Milliseconds spent writing lock files in this command (-v reports it). */
  timings: { lockWriteMs: number };
}

const GITIGNORE = '# written by lockstep init: the cache and temp files stay on this machine\n/cache/\n/tmp/\n/config.local.yaml\n';

/** Creates the repository's `.lockstep/` with its .gitignore; safe to call on every command. Returns true if it was new. */
export function ensureLockstepDir(root: string): boolean {
  const dir = stateDirOf(root);
  const created = !existsSync(dir);
  mkdirSync(join(dir, TMP_DIR), { recursive: true });
  mkdirSync(join(dir, CACHE_DIR), { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, GITIGNORE);
  return created;
}

/** Opens the workspace of one pipeline file, or of a pipeline already loaded (several files, `-R`). */
export function openWorkspace(source: string | Pipeline, reporter: Reporter): Workspace {
  const started = performance.now();
  const pipeline = typeof source === 'string' ? loadPipeline(source) : source;
  const dag = checkedDag(pipeline);
  refuseExternalOuts(pipeline);
  const root = pipeline.root;
  const stateRoot = stateRootOf(root);
  const statePrefix = relPosix(stateRoot, root);
  ensureLockstepDir(root);
  warnLegacyStateDirs(pipeline, stateRoot, reporter);
  // What a killed lockstep left behind: in .lockstep/tmp, and lock temps that older versions wrote beside the lock.
  removeStaleTemps(tmpDirOf(root));
  for (const lockFile of pipeline.members?.map((m) => m.lockFile) ?? [pipeline.lockFile]) removeStaleTemps(dirname(lockFile), basename(lockFile));
  const config = loadConfig(root);
  // A configuration mistake fails every command, not only the first one that uses a remote.
  validateRemotes(config, stateRoot);
  const statCache = new StatCache(join(tmpDirOf(root), STAT_CACHE_FILE));
  reporter.debug(`loaded ${pipeline.file} (${pipeline.stages.length} stages) in ${msText(performance.now() - started)}`);
  return {
    root,
    stateRoot,
    statePrefix,
    pipeline,
    dag,
    statCache,
    hasher: new Hasher(root, statCache, reporter, statePrefix),
    objects: new ObjectStore(root),
    runs: new RunRecords(root),
    config,
    params: new ParamsReader(root, undefined, paramsMemo(root)),
    reporter,
    lockMemo: parseMemoPath(root, relPosix(stateRoot, pipeline.lockFile)),
    external: new Map(),
    timings: { lockWriteMs: 0 },
  };
}

/** A path relative to the workspace root, as the repository's state names it: from the state root. */
export function statePath(ws: Workspace, path: string): string {
  return underPrefix(ws.statePrefix, path);
}

/** The inverse of statePath: a path the state names, relative to the workspace root again. */
export function workspacePath(ws: Workspace, path: string): string {
  return ws.statePrefix === '.' || isExternalPath(path) ? path : posix.relative(ws.statePrefix, path) || '.';
}
