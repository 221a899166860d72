import { execaSync } from 'execa';
import { constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CACHE_DIR, EXP_WORKSPACES_DIR, LOCAL_CONFIG_FILE, LOCKSTEP_DIR, tmpDirOf } from '../constants.js';
import { errnoCode } from '../errors.js';
import { toPosix } from '../util/paths.js';

/** What a variant copy is made from: the folder copied and the files in it (POSIX, relative to it). */
export interface CopySource {
  /** The git top level (paths may leave the pipeline folder, but not the repository), else the pipeline root. */
  top: string;
  /** The pipeline root, inside `top`. */
  root: string;
  files: string[];
}

/**
 * The files a variant needs, listed once per sweep: in git, what `git add -A` would see (tracked files and
 * untracked ones that are not ignored), so cached outputs and data come from the cache instead of being
 * copied; outside git, every file but `.lockstep/` and `.git/`.
 */
export function copySource(root: string): CopySource {
  const top = execaSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, reject: false, encoding: 'utf8' });
  if (top.exitCode === 0) {
    const topDir = realpathSync(top.stdout.trim());
    const listed = execaSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: topDir, encoding: 'utf8' });
    const files = [...new Set(listed.stdout.split('\0').filter(Boolean))];
    return { top: topDir, root: realpathSync(root), files };
  }
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => toPosix(relative(root, join(e.parentPath, e.name))))
    .filter((p) => !/^(\.lockstep|\.git)(\/|$)/.test(p));
  return { top: realpathSync(root), root: realpathSync(root), files };
}

export interface VariantWorkspace {
  /** The copy of the pipeline root, where the variant's pipeline file, params and lock are. */
  root: string;
  pipelineFile: string;
  remove(): void;
}

/**
 * A private copy of the workspace under `.lockstep/tmp/exp/<name>/` whose `.lockstep/cache` is a link to
 * the workspace's: variants share objects and run records (so a variant run before restores), and never
 * write the same workspace files. Reflinked where the filesystem can, copied otherwise.
 */
export function createVariantWorkspace(source: CopySource, pipelineFile: string, name: string): VariantWorkspace {
  const dir = join(tmpDirOf(source.root), EXP_WORKSPACES_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  for (const file of source.files) copyEntry(join(source.top, file), join(dir, file));
  const root = join(dir, relative(source.top, source.root));
  mkdirSync(join(root, LOCKSTEP_DIR), { recursive: true });
  symlinkSync(join(source.root, LOCKSTEP_DIR, CACHE_DIR), join(root, LOCKSTEP_DIR, CACHE_DIR), 'dir');
  const localConfig = join(source.root, LOCKSTEP_DIR, LOCAL_CONFIG_FILE);
  if (existsSync(localConfig)) copyEntry(localConfig, join(root, LOCKSTEP_DIR, LOCAL_CONFIG_FILE));
  return {
    root,
    pipelineFile: join(root, relative(source.root, realpathSync(pipelineFile))),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function copyEntry(src: string, dest: string): void {
  let st;
  try {
    st = lstatSync(src);
  } catch (err) {
    // Tracked but deleted in the workspace: the variant sees it deleted too.
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  mkdirSync(dirname(dest), { recursive: true });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
  else if (st.isFile()) copyFileSync(src, dest, constants.COPYFILE_FICLONE);
}
