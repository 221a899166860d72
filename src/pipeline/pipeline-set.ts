import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ConfigError } from '../errors.js';
import { normalizeRel, relPosix } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import { isExternalPath } from './external.js';
import { loadPipeline } from './load.js';
import type { Pipeline, PipelineMember, Stage } from './types.js';

/**
 * Several pipeline files as one graph (`-R`), as DVC treats every dvc.yaml of a repository: paths are
 * rebased onto the combined root, a dep in one file produced by a stage in another links them, and a
 * stage name used in more than one file is qualified by its file (`pipelines/dvc.yaml:train`). Each
 * file keeps its own lock, whose keys stay relative to the file's folder (run/workspace-lock-file.ts).
 */
export const PIPELINE_FILE_NAMES = ['pipeline.yaml', 'pipeline.yml', 'dvc.yaml'];

/** Folders never searched: version control, our own and DVC's state, dependencies. */
const SKIPPED = new Set(['.git', '.lockstep', '.dvc', 'node_modules']);

/**
 * Every pipeline file under `dir`, sorted by path. A folder holding `.git` below `dir` is another
 * repository (a submodule, a nested clone) with its own state: it is not searched, as DVC leaves
 * sub-repositories to themselves.
 */
export function collectPipelineFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
    if (d !== dir && entries.some((e) => e.name === '.git')) return;
    for (const e of entries) {
      if (e.isFile() && PIPELINE_FILE_NAMES.includes(e.name)) found.push(join(d, e.name));
    }
    for (const e of entries) if (e.isDirectory() && !SKIPPED.has(e.name)) walk(join(d, e.name));
  };
  walk(dir);
  return found;
}

/** A path of a file whose folder is `prefix` (relative to the combined root), rebased onto the root. */
export const underPrefix = (prefix: string, path: string): string =>
  isExternalPath(path) || prefix === '.' ? path : normalizeRel(posix.join(prefix, path));

/** Loads `files` (absolute) as one pipeline rooted at `root` (the repository); `searched`: where they were looked for. */
export function loadPipelineSet(files: readonly string[], root: string, searched: readonly string[] = [root]): Pipeline {
  if (files.length === 0) {
    throw new ConfigError(`no pipeline files (${PIPELINE_FILE_NAMES.join(', ')}) under ${searched.join(', ')}`, {
      hint: 'run lockstep in the repository that holds them, or pass a pipeline file with -f FILE',
    });
  }
  const loaded = files.map((file) => {
    const label = relPosix(root, file);
    return { pipeline: loadPipeline(file, { label }), label };
  });
  const uses = new Map<string, number>();
  for (const { pipeline } of loaded) for (const s of pipeline.stages) uses.set(s.name, (uses.get(s.name) ?? 0) + 1);

  const members: PipelineMember[] = [];
  const stages: Stage[] = [];
  const metrics: string[] = [];
  const gates: Pipeline['gates'] = {};
  const data: Pipeline['data'] = [];
  for (const { pipeline, label } of loaded) {
    const prefix = relPosix(root, pipeline.root);
    const rebase = (path: string) => underPrefix(prefix, path);
    members.push({ file: pipeline.file, label, lockFile: pipeline.lockFile, prefix });
    for (const s of pipeline.stages) {
      stages.push({
        ...s,
        name: uses.get(s.name)! > 1 ? `${label}:${s.name}` : s.name,
        wdir: rebase(s.wdir),
        deps: s.deps.map((d) => ({ ...d, path: rebase(d.path) })),
        outs: s.outs.map((o) => ({ ...o, path: rebase(o.path) })),
        params: s.params.map((p) => ({ ...p, file: rebase(p.file) })),
      });
    }
    metrics.push(...pipeline.metrics.map(rebase).filter((m) => !metrics.includes(m)));
    for (const [name, gate] of Object.entries(pipeline.gates)) gates[name] ??= gate;
    data.push(...pipeline.data.map((d) => ({ ...d, path: rebase(d.path) })));
  }
  const first = loaded[0]!.pipeline;
  // Tracked data (`lockstep add`) of every file: it travels, is checked out and is reported with -R too.
  return { file: first.file, root, repoRoot: first.repoRoot, lockFile: first.lockFile, stages, metrics, gates, data, members };
}
