import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { LOCKSTEP_DIR } from '../constants.js';

/** A pipeline file declares stages at the top level; other YAML (params, CI configs, pubspec) does not. */
const DECLARES_STAGES = /^stages\s*:/m;

/** Folders that never hold a user's pipeline files: git's and ours, dependencies, hidden tool folders. */
const skipDir = (name: string) => name.startsWith('.') || name === 'node_modules' || name === LOCKSTEP_DIR;

/**
 * Every pipeline file (`*.yaml`/`*.yml` with top-level `stages:`) under `root`, in it and in subfolders,
 * as absolute paths, sorted. Symbolic links are not followed, so the walk stays inside `root`.
 */
export function findPipelineFiles(root: string, progress: (folders: number) => void = () => {}): string[] {
  const found: string[] = [];
  let folders = 0;
  const walk = (dir: string) => {
    progress(++folders);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      // A folder that vanished or cannot be listed holds nothing we could use.
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'EACCES') return;
      throw err;
    }
    for (const ent of entries) {
      const abs = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (!skipDir(ent.name)) walk(abs);
      } else if (ent.isFile() && /\.ya?ml$/.test(ent.name) && DECLARES_STAGES.test(readFileSync(abs, 'utf8'))) {
        found.push(abs);
      }
    }
  };
  walk(root);
  return found.sort();
}
