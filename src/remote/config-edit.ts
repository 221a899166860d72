import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Document } from 'yaml';
import { CONFIG_FILE, LOCAL_CONFIG_FILE, LOCKSTEP_DIR, stateDirOf } from '../constants.js';
import { ConfigError, errnoCode } from '../errors.js';
import { loadConfig } from '../pipeline/config.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { lazyYaml } from '../util/lazy-modules.js';
import { validateRemotes } from './registry.js';

/** `.lockstep/config.yaml` (committed) or, with `local`, `.lockstep/config.local.yaml` (this machine only). */
export function configFile(root: string, local: boolean): { path: string; label: string } {
  const name = local ? LOCAL_CONFIG_FILE : CONFIG_FILE;
  return { path: join(stateDirOf(root), name), label: `${LOCKSTEP_DIR}/${name}` };
}

/**
 * Edits one config file through the yaml Document API, so the user's comments and layout survive. The
 * result is validated with both files as every command will read them; a mistake restores the old
 * text and throws (nothing is lost).
 */
export function editConfig(root: string, local: boolean, edit: (doc: Document) => void): void {
  const { path, label } = configFile(root, local);
  let before: string | undefined;
  try {
    before = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const doc = lazyYaml().parseDocument(before ?? '');
  if (doc.errors.length) throw new ConfigError(`${label} is not valid YAML: ${doc.errors[0]!.message}`, { hint: `fix the syntax of ${label}` });
  edit(doc);
  writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
  try {
    validateRemotes(loadConfig(root), root);
  } catch (err) {
    if (before === undefined) rmSync(path, { force: true });
    else writeFileAtomic(path, before);
    throw err;
  }
}

/** Whether one config file (not the merged view) defines the remote `name`. */
export function definesRemote(root: string, local: boolean, name: string): boolean {
  let text: string;
  try {
    text = readFileSync(configFile(root, local).path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  const data = lazyYaml().parse(text) as { remotes?: Record<string, unknown> } | null;
  return data?.remotes?.[name] !== undefined;
}
