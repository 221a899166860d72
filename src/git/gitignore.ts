import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { errnoCode } from '../errors.js';
import { tmpDirOf } from '../constants.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { insideRoot } from '../util/safe-path.js';
import { git } from './git.js';

/** `model.pkl` → `/model.pkl`, with gitignore's glob characters and trailing spaces escaped. */
export function ignoreLine(name: string): string {
  return `/${name.replace(/[\\*?[]/g, '\\$&').replace(/ (?= *$)/g, '\\ ')}`;
}

/** The entry a line stands for: `/raw/` and `/raw` both name the out `raw`. */
const normalizeLine = (line: string) => line.replace(/(?<!\\)\s+$/, '').replace(/\/$/, '');

/**
 * Adds each path (POSIX, relative to `root`) to the `.gitignore` of its own folder as `/name`, as DVC
 * does, so `git add -A` never stages a cached output: `data/raw` → `/raw` in `data/.gitignore`. Entries
 * already there are not repeated; the user's lines and comments are kept as written; each file is
 * replaced atomically. Returns the `.gitignore` files it changed (relative to `root`).
 */
export function addToGitignore(root: string, paths: readonly string[]): string[] {
  const byFolder = new Map<string, string[]>();
  for (const path of paths) {
    const folder = posix.dirname(path);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ignoreLine(posix.basename(path))]);
  }
  const changed: string[] = [];
  for (const [folder, lines] of byFolder) {
    const rel = folder === '.' ? '.gitignore' : `${folder}/.gitignore`;
    // Out folders come from pipeline files and locks: never follow one out of the repository.
    const file = insideRoot(root, rel, '.gitignore');
    const text = tryRead(file);
    const present = new Set(text.split(/\r?\n/).map(normalizeLine));
    const missing = [...new Set(lines)].filter((l) => !present.has(l));
    if (missing.length === 0) continue;
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    writeFileAtomic(file, `${text}${separator}${missing.join('\n')}\n`, { tmpDir: tmpDirOf(root) });
    changed.push(rel);
  }
  return changed;
}

function tryRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return '';
    throw err;
  }
}

/**
 * The paths (or files inside them) git already tracks: a `.gitignore` entry does not untrack them. Empty
 * outside a git repository.
 */
export function trackedByGit(root: string, paths: readonly string[]): string[] {
  const r = git(root, ['ls-files', '-z', '--', ...paths]);
  if (r.exitCode !== 0) return [];
  const files = r.stdout.split('\0').filter(Boolean);
  return paths.filter((p) => files.some((f) => f === p || f.startsWith(`${p}/`)));
}
