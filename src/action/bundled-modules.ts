import * as Yaml from 'yaml';
import * as Zod from 'zod';

/**
 * Stands in for src/util/lazy-modules.ts in the Action's bundle (see build-action.mjs): the bundle has no
 * node_modules to load from, so yaml and zod are bundled and returned as they are.
 */
export function lazyYaml(): typeof Yaml {
  return Yaml;
}

export function lazyZod(): typeof Zod {
  return Zod;
}
