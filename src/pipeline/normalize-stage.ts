import { isAbsolute, posix } from 'node:path';
import { DEFAULT_PARAMS_FILE } from '../constants.js';
import { isOutside, normalizeRel, relPosix } from '../util/paths.js';
import { repoRootOf } from '../util/repo-root.js';
import { sortedBy } from '../util/sort.js';
import { isExternalPath } from './external.js';
import type { WrittenStage } from './schema.js';
import type { Out, ParamsRef, SourcePos, Stage } from './types.js';
import { formatPath, type PathSegment, type YamlPositions } from './yaml-positions.js';

/** A problem of a pipeline file, at its position: `pipeline.yaml:12:5 stages.train.deps[1]: …`. */
export interface Problem {
  pos: SourcePos;
  path: string;
  message: string;
}

const GENERATED_NAME = /^[A-Za-z0-9_-]+@\S+$/;

/** One stage after templating: paths resolved against wdir, outs and params grouped, names checked. */
export function normalizeStage(
  name: string,
  w: WrittenStage,
  { root, label }: { root: string; label: string },
  base: PathSegment[],
  positions: YamlPositions,
  problems: Problem[],
): Stage | undefined {
  const problem = (path: PathSegment[], message: string) =>
    problems.push({ pos: positions.at([...base, ...path]), path: formatPath([...base, ...path]), message });

  // Paths are relative to wdir (itself relative to the pipeline's folder) and kept relative to that folder,
  // so `../data/x` from a pipeline in a subfolder stays as written; rules.ts refuses those leaving the repository.
  const wdirRaw = w.wdir ?? '.';
  const wdir = isAbsolute(wdirRaw) ? absoluteFrom(root, wdirRaw) : normalizeRel(wdirRaw);
  // Joining onto `.` changes nothing normalizing does not: most stages have no wdir, so skip the join.
  const inWdir = (p: string) => (isExternalPath(p) ? p : isAbsolute(p) ? absoluteFrom(root, p) : normalizeRel(wdir === '.' ? p : posix.join(wdir, p)));
  const deps = (w.deps ?? []).map((d, i) => ({ path: inWdir(d), pos: positions.lazy([...base, 'deps', i]) }));
  const outs: Out[] = [];
  const addOuts = (entries: WrittenStage['outs'] | WrittenStage['plots'], key: 'outs' | 'metrics' | 'plots') => {
    (entries ?? []).forEach((entry, i) => {
      const [path, flags] = typeof entry === 'string' ? [entry, null] : Object.entries(entry)[0]!;
      const metric = key === 'metrics';
      outs.push({
        path: inWdir(path),
        cache: flags?.cache ?? !metric,
        persist: flags?.persist ?? false,
        metric,
        pos: positions.lazy([...base, key, i]),
      });
    });
  };
  addOuts(w.outs, 'outs');
  addOuts(w.metrics, 'metrics');
  addOuts(w.plots, 'plots');

  const defaultParams = normalizeRel(posix.join(wdir, DEFAULT_PARAMS_FILE));
  const byFile = new Map<string, ParamsRef>();
  (w.params ?? []).forEach((entry, i) => {
    const pos = positions.lazy([...base, 'params', i]);
    const pairs: [string, string[] | null][] =
      typeof entry === 'string' ? [[defaultParams, [entry]]] : Object.entries(entry).map(([f, k]) => [inWdir(f), k]);
    for (const [file, keys] of pairs) {
      const prev = byFile.get(file);
      const merged = prev === undefined ? keys : prev.keys === null || keys === null ? null : [...prev.keys, ...keys];
      byFile.set(file, { file, keys: merged && [...new Set(merged)].sort(), pos: prev?.pos ?? pos });
    }
  });

  const cmd = typeof w.cmd === 'string' ? [w.cmd] : w.cmd;
  if (name.includes('@') && !GENERATED_NAME.test(name)) problem([], `generated stage name ${name} may not contain white space`);

  return {
    name,
    ...(w.desc === undefined ? {} : { desc: w.desc }),
    cmd,
    wdir,
    deps,
    params: sortedBy(byFile.values(), (p) => p.file),
    outs,
    env: [...new Set(w.env ?? [])].sort(),
    frozen: w.frozen ?? false,
    alwaysChanged: w.always_changed ?? false,
    pos: positions.lazy(base),
    origin: { file: label, name },
  };
}

/** An absolute path inside the repository, relative to the pipeline's folder; any other stays absolute (and is refused). */
function absoluteFrom(root: string, path: string): string {
  return isOutside(relPosix(repoRootOf(root), path)) ? posix.normalize(path) : relPosix(root, path);
}

