import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, LockstepError } from '../errors.js';
import type { Digest } from '../hash/digest.js';
import { sha256Bytes } from '../hash/file-digest.js';
import type { StageState } from '../lock/compare.js';
import type { LockedPath } from '../lock/types.js';
import type { LinkMode } from '../pipeline/config.js';
import { isExternalPath } from '../pipeline/external.js';
import { formatPos, type Stage } from '../pipeline/types.js';
import { isSameOrInside } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import type { Workspace } from './workspace.js';

/** Env values are digested with a salt, never stored: they may be secrets. */
export function envDigest(value: string | undefined): string | null {
  return value === undefined ? null : sha256Bytes(`lockstep-env-v1\0${value}`);
}

export function lockedPath(path: string, d: Digest): LockedPath {
  return d.kind === 'dir' ? { path, sha256: d.sha256, size: d.size, nfiles: d.nfiles } : { path, sha256: d.sha256, size: d.size };
}

/**
 * How an out is put in the workspace: as configured, except that `cache: false` outs (metrics among them)
 * are always real files. git tracks them, `gate` parses them and stages rewrite them; a link into the
 * cache would be committed as a symlink or written through into a shared object.
 */
export function linkModeFor(stage: Stage, path: string, configured: LinkMode): LinkMode {
  const linked = configured === 'hardlink' || configured === 'symlink';
  return linked && isUncachedOut(stage, path) ? 'copy' : configured;
}

/** `path` is an out the stage declares `cache: false`: git carries it, the cache holds it only sometimes. */
export function isUncachedOut(stage: Stage | undefined, path: string): boolean {
  return stage?.outs.find((o) => o.path === path)?.cache === false;
}

/**
 * Whether `outs` (of a lock entry or a run record, which come from other branches and machines) name
 * exactly the outs the stage declares: only then are they obeyed about where to write.
 */
export function namesDeclaredOuts(stage: Stage, outs: readonly { path: string }[]): boolean {
  const key = (paths: string[]) => paths.sort(compareStrings).join('\0');
  return key(outs.map((o) => o.path)) === key(stage.outs.map((o) => o.path));
}

function digestOf(ws: Workspace, path: string): LockedPath | undefined {
  if (isExternalPath(path)) return ws.external.get(path);
  const d = ws.hasher.tryDigest(path);
  return d && lockedPath(path, d);
}

/**
 * The stage as it is now on disk, in the lock's terms. When `planning`, a params file another stage
 * produces may not exist yet, or lack a key its producer is about to write: it is read leniently, and a
 * missing one is reported as pending. Right before the stage runs (its producers are done) every params
 * file is read strictly.
 */
export function currentState(ws: Workspace, stage: Stage, planning = false): StageState {
  const state: StageState = {
    cmd: stage.cmd.length === 1 ? stage.cmd[0]! : stage.cmd,
    deps: stage.deps.map((d) => ({ path: d.path, digest: digestOf(ws, d.path) })),
    params: {},
    env: Object.fromEntries(stage.env.map((name) => [name, envDigest(process.env[name])])),
    outs: stage.outs.map((o) => ({ path: o.path, digest: digestOf(ws, o.path) })),
  };
  // Most stages have no params: they skip the look-ups below, which a 1,000-stage no-op paid for each.
  if (stage.params.length === 0) return state;
  const produced = planning ? stage.params.filter((p) => ws.dag.producersOf(p.file).length > 0) : [];
  const pending = produced.filter((p) => !existsSync(join(ws.root, p.file))).map((p) => p.file);
  state.params = {
    ...ws.params.valuesFor(stage.params.filter((p) => !produced.includes(p)), stage.name),
    ...ws.params.valuesFor(produced.filter((p) => !pending.includes(p.file)), stage.name, true),
  };
  if (pending.length) state.pendingParams = pending;
  return state;
}

/**
 * Problems that must stop a command before anything runs: a dep that neither exists nor is produced by a
 * stage, a params file or key that is missing. Reported all at once.
 */
export function preflight(ws: Workspace, names: Iterable<string>): void {
  const problems: string[] = [];
  for (const name of names) {
    const stage = ws.dag.stages.get(name)!;
    for (const dep of stage.deps) {
      // The look-up before the syscall: in a long pipeline most deps are another stage's outs.
      if (isExternalPath(dep.path) ? ws.external.has(dep.path) : ws.dag.producersOf(dep.path).length || existsSync(join(ws.root, dep.path))) continue;
      const data = ws.pipeline.data.find((d) => isSameOrInside(dep.path, d.path));
      if (data) {
        problems.push(`${dep.pos ? `${formatPos(dep.pos)} ` : ''}stage ${name}: dep ${dep.path} is tracked data missing from the workspace (lockstep checkout ${data.path} restores it)`);
        continue;
      }
      problems.push(`${dep.pos ? `${formatPos(dep.pos)} ` : ''}stage ${name}: dep ${dep.path} does not exist and no stage produces it`);
    }
    const ownParams = stage.params.filter((p) => ws.dag.producersOf(p.file).length === 0);
    try {
      ws.params.valuesFor(ownParams, name);
    } catch (err) {
      if (!(err instanceof LockstepError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) {
    throw new ConfigError(problems.join('\n'), { hint: `create the missing files or fix ${basename(ws.pipeline.file)}; nothing was run` });
  }
}
