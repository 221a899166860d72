import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { loadPipeline } from '../pipeline/load.js';
import { collectPipelineFiles, loadPipelineSet } from '../pipeline/pipeline-set.js';
import type { Pipeline } from '../pipeline/types.js';
import { isOutside, relPosix } from '../util/paths.js';
import { repoRootOf } from '../util/repo-root.js';
import type { CommandContext } from './context.js';

/** `-R/--recursive`: every pipeline file of the repository (repro, status, dag, push, pull, fetch, checkout). */
export const RECURSIVE_OPTION = { recursive: { type: 'boolean', short: 'R' } } as const;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
const YAML_FILE = /\.ya?ml$/;

/** True when a target names a pipeline file or a stage of one: it needs the set of pipeline files. */
export const namesPipelineFile = (target: string): boolean => targetFile(target) !== undefined;

/** The pipeline file a target names (`pipelines/dvc.yaml` or `pipelines/dvc.yaml:train`), if it names one. */
function targetFile(target: string): { file: string; stage?: string } | undefined {
  const colon = target.lastIndexOf(':');
  const [file, stage] = colon > 0 && !isFile(target) ? [target.slice(0, colon), target.slice(colon + 1)] : [target, undefined];
  return YAML_FILE.test(file) && isFile(file) ? { file, ...(stage === undefined ? {} : { stage }) } : undefined;
}

/**
 * What a command works on, as DVC decides it: the pipeline file (`-f`, default pipeline.yaml); or, with
 * `-R`, a directory argument or a target naming a pipeline file, every pipeline file of the repository
 * (or under the directories given) as one graph. Targets naming files are rewritten relative to the root.
 */
export function loadForTargets(ctx: CommandContext, recursive: boolean | undefined, positionals: string[]): { pipeline: Pipeline; targets: string[] } {
  let own: Pipeline | undefined;
  let dirs = positionals.filter(isDir);
  // A stage named like a folder (`reference` writing `reference/`) is the stage, as in DVC; `./reference` is the folder.
  if (!recursive && dirs.length && isFile(ctx.pipelineFile)) {
    own = loadPipeline(ctx.pipelineFile);
    const names = own.stages.map((s) => s.name);
    dirs = dirs.filter((d) => !names.some((n) => n === d || n.startsWith(`${d}@`)));
  }
  const rest = positionals.filter((p) => !dirs.includes(p));
  const named = rest.map(targetFile);
  let pipeline: Pipeline;
  const otherFile = named.some((n) => n && resolve(n.file) !== resolve(ctx.pipelineFile));
  if (!recursive && dirs.length === 0 && !otherFile) pipeline = own ?? loadPipeline(ctx.pipelineFile);
  else {
    // The repository of the folders named, else of the current folder (`status -R /elsewhere/repo/a`).
    const root = repoRootOf(dirs.length ? resolve(dirs[0]!) : process.cwd());
    const outside = dirs.find((d) => isOutside(relPosix(root, resolve(d))));
    if (outside) throw new UsageError(`${outside} is not in the repository at ${root}`, { hint: 'name folders of one repository, or run once per repository' });
    const files = (dirs.length ? dirs : [root]).flatMap((d) => collectPipelineFiles(resolve(d)));
    pipeline = loadPipelineSet([...new Set(files)], root, dirs.length ? dirs : [root]);
  }
  const targets = rest.map((t, i) => {
    const n = named[i];
    if (!n) return t;
    const label = relPosix(pipeline.root, resolve(n.file));
    return n.stage === undefined ? label : `${label}:${n.stage}`;
  });
  return { pipeline, targets };
}

/**
 * What push, pull, fetch and checkout work on. As `loadForTargets`, except that without -R a folder named
 * is tracked data (`push data/raw`), never a folder of pipeline files; a target naming a pipeline file's
 * stage (`services/a/pipeline.yaml:train`) loads the set, as status does.
 */
export function loadForOutTargets(ctx: CommandContext, recursive: boolean, positionals: string[]): { pipeline: string | Pipeline; targets: string[] } {
  if (recursive) return loadForTargets(ctx, true, positionals);
  if (!positionals.some(namesPipelineFile)) return { pipeline: ctx.pipelineFile, targets: positionals };
  const folders = positionals.filter(isDir);
  const { pipeline, targets } = loadForTargets(ctx, false, positionals.filter((p) => !folders.includes(p)));
  return { pipeline, targets: [...targets, ...folders.map((f) => relPosix(pipeline.root, resolve(f)))] };
}
