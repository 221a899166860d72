import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ObjectStore } from '../cache/object-store.js';
import { RunRecords } from '../cache/run-records.js';
import { CACHE_DIR, LOCKSTEP_DIR, parseMemoPath, STAT_CACHE_FILE, TMP_DIR } from '../constants.js';
import { Hasher } from '../hash/hasher.js';
import { StatCache } from '../hash/stat-cache.js';
import type { Reporter } from '../log.js';
import { loadConfig, type Config } from '../pipeline/config.js';
import type { Dag } from '../pipeline/dag.js';
import { loadPipeline } from '../pipeline/load.js';
import { ParamsReader, paramsMemo } from '../pipeline/params.js';
import { checkedDag } from '../pipeline/rules.js';
import { validateRemotes } from '../remote/registry.js';
import type { Pipeline } from '../pipeline/types.js';

/** Everything one command needs about the repository it works in, opened once. */
export interface Workspace {
  root: string;
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
}

const GITIGNORE = '# written by lockstep init: the cache and temp files stay on this machine\n/cache/\n/tmp/\n/config.local.yaml\n';

/** Creates `.lockstep/` with its .gitignore; safe to call on every command. Returns true if it was new. */
export function ensureLockstepDir(root: string): boolean {
  const dir = join(root, LOCKSTEP_DIR);
  const created = !existsSync(dir);
  mkdirSync(join(dir, TMP_DIR), { recursive: true });
  mkdirSync(join(dir, CACHE_DIR), { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, GITIGNORE);
  return created;
}

export function openWorkspace(pipelineFile: string, reporter: Reporter): Workspace {
  const pipeline = loadPipeline(pipelineFile);
  const dag = checkedDag(pipeline);
  const root = pipeline.root;
  ensureLockstepDir(root);
  const config = loadConfig(root);
  // A configuration mistake fails every command, not only the first one that uses a remote.
  validateRemotes(config, root);
  const statCache = new StatCache(join(root, LOCKSTEP_DIR, TMP_DIR, STAT_CACHE_FILE));
  return {
    root,
    pipeline,
    dag,
    statCache,
    hasher: new Hasher(root, statCache, reporter),
    objects: new ObjectStore(root),
    runs: new RunRecords(root),
    config,
    params: new ParamsReader(root, undefined, paramsMemo(root)),
    reporter,
    lockMemo: parseMemoPath(root, basename(pipeline.lockFile)),
  };
}
