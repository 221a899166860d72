import { posix } from 'node:path';
import { normalizeRel } from '../util/paths.js';
import { getDotted, type ParamsReader } from './params.js';
import type { VarsList } from './schema.js';
import type { TemplateProblem } from './templates.js';
import type { PathSegment } from './yaml-positions.js';

/**
 * The values `${…}` can name, as DVC builds them: the entries of `vars` in order — a params file
 * (`file.yaml`, or `file.yaml:key1,key2` for some of its keys) or an inline map — merged key by key,
 * later entries winning. Files are read relative to `dir` (the root, or a stage's wdir).
 */
export function loadVars(
  list: VarsList,
  dir: string,
  reader: ParamsReader,
  path: PathSegment[],
  problems: TemplateProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  list.forEach((entry, i) => {
    if (typeof entry !== 'string') {
      Object.assign(out, entry);
      return;
    }
    const [file, keys] = splitEntry(entry);
    const rel = normalizeRel(posix.join(dir, file));
    const data = reader.tryRead(rel);
    if (data === undefined || data === null || typeof data !== 'object') {
      problems.push({ path: [...path, i], message: `vars file ${rel} does not exist or is not a map` });
      return;
    }
    if (!keys) {
      Object.assign(out, data);
      return;
    }
    for (const key of keys) {
      const hit = getDotted(data, key);
      if (!hit.found) problems.push({ path: [...path, i], message: `${key} is not defined in ${rel}` });
      else out[key] = hit.value;
    }
  });
  return out;
}

/** `params.yaml:train,seed` → ['params.yaml', ['train', 'seed']]. A colon inside a Windows path is not a concern here. */
function splitEntry(entry: string): [string, string[] | undefined] {
  const colon = entry.lastIndexOf(':');
  if (colon <= 0) return [entry, undefined];
  return [entry.slice(0, colon), entry.slice(colon + 1).split(',').map((k) => k.trim()).filter(Boolean)];
}
