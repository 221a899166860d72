import { execaSync } from 'execa';
import { constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CACHE_DIR, EXP_WORKSPACES_DIR, LOCAL_CONFIG_FILE, LOCKSTEP_DIR, stateDirOf, tmpDirOf } from '../constants.js';
import { isAlive } from '../util/is-alive.js';
import { toPosix } from '../util/paths.js';

/**
 * The workspace as a sweep starts, copied once: every variant of the sweep starts from it, so editing
 * code while a long sweep runs cannot give its variants different code.
 */
export interface Snapshot {
  /** The copy of the git top level (paths may leave the pipeline folder, not the repository). */
  top: string;
  /** The pipeline root inside `top`, relative to it ('' when it is the top). */
  rootInTop: string;
  files: string[];
  /** The repository's `.lockstep/cache`, shared by every variant. */
  cacheDir: string;
  /** `.lockstep/tmp/exp` of the repository, where the variants' copies go. */
  workDir: string;
  remove(): void;
}

const BASE_PREFIX = '.base-';

/**
 * What a variant needs, in git: what `git add -A` would see (tracked files and untracked ones that are not
 * ignored), so cached outputs and data come from the cache instead of being copied; outside git, every
 * file but `.lockstep/` and `.git/`.
 */
function listFiles(root: string): { top: string; files: string[] } {
  const top = execaSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, reject: false, encoding: 'utf8' });
  if (top.exitCode === 0) {
    const topDir = realpathSync(top.stdout.trim());
    const listed = execaSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: topDir, encoding: 'utf8' });
    // A `.lockstep/` below the top is an older version's per-folder state, read by nothing any more.
    return { top: topDir, files: [...new Set(listed.stdout.split('\0').filter((p) => p && !p.includes('/.lockstep/')))] };
  }
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => toPosix(relative(root, join(e.parentPath, e.name))))
    .filter((p) => !/^(\.lockstep|\.git)(\/|$)/.test(p));
  return { top: root, files };
}

/** Copies the workspace into `.lockstep/tmp/exp/.base-<pid>/`; snapshots of dead sweeps are removed first. */
export function snapshotWorkspace(pipelineRoot: string): Snapshot {
  const root = realpathSync(pipelineRoot);
  const stateDir = stateDirOf(root);
  const workDir = join(tmpDirOf(root), EXP_WORKSPACES_DIR);
  mkdirSync(workDir, { recursive: true });
  for (const name of readdirSync(workDir)) {
    if (name.startsWith(BASE_PREFIX) && !isAlive(Number(name.slice(BASE_PREFIX.length)))) rmSync(join(workDir, name), { recursive: true, force: true });
  }
  const { top, files } = listFiles(root);
  const dir = join(workDir, `${BASE_PREFIX}${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  for (const file of files) copyEntry(join(top, file), join(dir, file));
  const rootInTop = relative(top, root);
  // The top of the copy is the state root of its variants (see createVariantWorkspace).
  const localConfig = join(stateDir, LOCAL_CONFIG_FILE);
  if (existsSync(localConfig)) copyEntry(localConfig, join(dir, LOCKSTEP_DIR, LOCAL_CONFIG_FILE));
  return {
    top: dir,
    rootInTop,
    files: existsSync(localConfig) ? [...files, `${LOCKSTEP_DIR}/${LOCAL_CONFIG_FILE}`] : files,
    cacheDir: join(stateDir, CACHE_DIR),
    workDir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface VariantWorkspace {
  /** The copy of the pipeline root, where the variant's pipeline file, params and lock are. */
  root: string;
  remove(): void;
}

/**
 * A private copy of the snapshot under `.lockstep/tmp/exp/<name>/` whose `.lockstep/cache` is a link to
 * the repository's: variants share objects and run records (so a variant run before restores), and never
 * write the same files. It sits inside the workspace, so `node_modules` or a virtualenv in a parent folder
 * still resolves. Reflinked where the filesystem can, copied otherwise.
 *
 * An empty `.git/` folder makes the copy a repository of its own for lockstep (stateRootOf stops there), so
 * each variant has its own workspace lock, stat cache and temp files and its paths cannot leave the copy;
 * git itself passes over an empty `.git/`, so a stage running git still sees the real repository.
 */
export function createVariantWorkspace(snapshot: Snapshot, name: string): VariantWorkspace {
  const dir = join(snapshot.workDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  for (const file of snapshot.files) copyEntry(join(snapshot.top, file), join(dir, file));
  const root = join(dir, snapshot.rootInTop);
  mkdirSync(join(dir, LOCKSTEP_DIR), { recursive: true });
  symlinkSync(snapshot.cacheDir, join(dir, LOCKSTEP_DIR, CACHE_DIR), 'dir');
  return { root, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function copyEntry(src: string, dest: string): void {
  const st = lstatSync(src, { throwIfNoEntry: false });
  // Tracked but deleted in the workspace: the variant sees it deleted too.
  if (!st) return;
  mkdirSync(dirname(dest), { recursive: true });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
  else if (st.isFile()) copyFileSync(src, dest, constants.COPYFILE_FICLONE);
}
