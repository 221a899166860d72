import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, CONFIG_FILE, LOCAL_CONFIG_FILE, LOCKSTEP_DIR } from '../constants.js';
import type { Reporter } from '../log.js';
import type { Pipeline } from '../pipeline/types.js';
import { relPosix } from '../util/paths.js';
import { stateRootOf } from '../util/repo-root.js';

/** Folders already warned about in this process (an experiment sweep opens many workspaces). */
const warned = new Set<string>();

/**
 * Older versions kept `.lockstep/` beside each pipeline file; now the repository has one. An old one is
 * never deleted (its cache may be the only copy of some outputs): the user is told, once per command,
 * that it is not read any more and how to carry its objects and remotes over. Copying beats reading it
 * in place: every later command would otherwise search two caches, and gc could not tell whose it is.
 */
export function warnLegacyStateDirs(pipeline: Pipeline, stateRoot: string, reporter: Reporter): void {
  const folders = pipeline.members ? pipeline.members.map((m) => join(pipeline.root, m.prefix)) : [pipeline.root];
  for (const folder of new Set(folders)) {
    const old = join(folder, LOCKSTEP_DIR);
    // A folder that is a state root itself (outside git, a nested repository) is not an old layout.
    if (folder === stateRoot || stateRootOf(folder) === folder || warned.has(old) || !existsSync(old)) continue;
    warned.add(old);
    const rel = relPosix(stateRoot, old);
    const lines = [`${rel}/ is no longer used: lockstep keeps one ${LOCKSTEP_DIR}/ per repository, in ${stateRoot}`];
    if (existsSync(join(old, CACHE_DIR))) {
      lines.push(`  to reuse its cached outputs, in ${stateRoot}: cp -Rn ${rel}/${CACHE_DIR}/. ${LOCKSTEP_DIR}/${CACHE_DIR}/`);
      lines.push(`  (its run records were keyed by paths inside ${relPosix(stateRoot, folder)}/ and will not match: each stage runs once more)`);
    }
    const configs = [CONFIG_FILE, LOCAL_CONFIG_FILE].filter((f) => existsSync(join(old, f)));
    if (configs.length) {
      lines.push(`  its settings are not read either: move the remotes of ${configs.map((f) => `${rel}/${f}`).join(' and ')} into ${LOCKSTEP_DIR}/ (lockstep remote add)`);
    }
    lines.push(`  then delete ${rel}/`);
    reporter.warn(lines.join('\n'));
  }
}
