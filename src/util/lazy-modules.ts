import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';

/**
 * yaml and zod take ~90 ms to load (measured 33 + 58 ms on this machine), more than a memoized no-op
 * `status` needs in all. They are loaded on first use instead, from node_modules (the bundle leaves them
 * external: even unexecuted, compiling 1.2 MB of bundled code cost ~20 ms on every command).
 */
const requireHere = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;
let zod: typeof Zod | undefined;

export function lazyYaml(): typeof Yaml {
  return (yaml ??= requireHere('yaml') as typeof Yaml);
}

export function lazyZod(): typeof Zod {
  return (zod ??= requireHere('zod') as typeof Zod);
}
