import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The repository a folder belongs to: the nearest folder at or above it holding `.git` (a directory, or a
 * file in a worktree or submodule), else the folder itself. It is the boundary paths may not leave, as in
 * DVC: a `pipelines/dvc.yaml` may use `../data`. Found by looking at the file system (no git process), once.
 */
const known = new Map<string, string>();

export function repoRootOf(dir: string): string {
  const start = resolve(dir);
  let found = known.get(start);
  if (found === undefined) {
    found = start;
    for (let d = start; ; d = dirname(d)) {
      if (existsSync(join(d, '.git'))) {
        found = d;
        break;
      }
      if (dirname(d) === d) break;
    }
    known.set(start, found);
  }
  return found;
}

/**
 * Where the state (`.lockstep/`: cache, run records, stat cache, memos, config, exps, the workspace lock)
 * of anything in `dir` lives: the repository root, whatever folder its pipeline files are in, as DVC keeps
 * one `.dvc/` per repository. So a stage run from its subfolder, with `--file` or with `-R` finds one cache.
 * Outside git it is `dir` itself.
 */
export function stateRootOf(dir: string): string {
  return repoRootOf(dir);
}
