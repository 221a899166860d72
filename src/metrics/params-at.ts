import { resolveRevision, tryReadAtRevision } from '../git/git.js';
import { ParamsReader } from '../pipeline/params.js';
import type { Pipeline } from '../pipeline/types.js';
import type { ValuesByFile } from './diff.js';

/**
 * Every param the stages list, as they are at `rev` (undefined: the workspace). Missing files and keys are
 * left out. Shared by `params diff` and the Action.
 */
export function readParamsAt(pipeline: Pipeline, rev: string | undefined): ValuesByFile {
  let reader: ParamsReader;
  if (rev === undefined) reader = new ParamsReader(pipeline.root);
  else {
    const commit = resolveRevision(pipeline.root, rev);
    reader = new ParamsReader(pipeline.root, (file) => tryReadAtRevision(pipeline.root, commit, file));
  }
  const out: ValuesByFile = {};
  for (const stage of pipeline.stages) {
    for (const [file, values] of Object.entries(reader.valuesFor(stage.params, stage.name, true))) {
      out[file] = { ...(out[file] ?? {}), ...values };
    }
  }
  return out;
}
