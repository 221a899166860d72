import { errnoCode } from '../errors.js';
import { addToGitignore } from '../git/gitignore.js';
import type { Workspace } from './workspace.js';

/**
 * Keeps cached paths out of git (a `.gitignore` next to each). A `.gitignore` that cannot be written costs
 * a warning, never the stage or the data: the outputs are already safe in the cache.
 */
/** Returns the `.gitignore` files it changed. */
export function ignoreCachedPaths(ws: Workspace, paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  try {
    const changed = addToGitignore(ws.root, paths);
    for (const file of changed) ws.reporter.debug(`added ${paths.join(', ')} to ${file}`);
    return changed;
  } catch (err) {
    if (!errnoCode(err)) throw err;
    ws.reporter.warn(`could not add ${paths.join(', ')} to .gitignore (${(err as Error).message}); git may show them as untracked`);
    return [];
  }
}
