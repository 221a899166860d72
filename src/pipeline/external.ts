import { ConfigError } from '../errors.js';
import type { Pipeline } from './types.js';

/**
 * DVC's external dependencies and outputs: a URL (`https://…`, `s3://…`) instead of a workspace path. Kept
 * verbatim (path normalisation would turn `s3://b/k` into `s3:/b/k`).
 */
const URL_PATH = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export const isExternalPath = (path: string): boolean => URL_PATH.test(path);

export const schemeOf = (url: string): string => url.slice(0, url.indexOf(':')).toLowerCase();

/** External outputs are not supported yet: refused before anything runs, naming each stage. */
export function refuseExternalOuts(pipeline: Pipeline): void {
  const found = pipeline.stages.flatMap((s) => s.outs.filter((o) => isExternalPath(o.path)).map((o) => `stage ${s.name}: out ${o.path}`));
  if (found.length) {
    throw new ConfigError(`external outputs are not supported yet:\n${found.map((f) => `  ${f}`).join('\n')}`, {
      hint: 'write the output into the repository and upload it in a later stage; nothing was run',
    });
  }
}
