import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunRecords, type RunResult } from '../cache/run-records.js';
import { tmpDirOf } from '../constants.js';
import { selectStages } from '../pipeline/dag.js';
import { parseRecordKey, recordKey, RUNS_PREFIX } from '../remote/keys.js';
import { tempSibling } from '../util/atomic-write.js';
import type { RemoteSession } from './remote-session.js';
import { normalizeRel } from '../util/paths.js';
import { lockedOuts, type LockedOut } from '../lock/locked-outs.js';
import type { LockFile } from '../lock/types.js';
import { isUncachedOut } from './stage-state.js';
import type { Workspace } from './workspace.js';

/** The stages named by targets (groups expand), or undefined for all of them. */
/**
 * What push, pull and `status --remote` move: the cached paths the lock references, less the outs a stage
 * declares `cache: false` (git carries those; the run-cache's copies of them still travel with records).
 */
export function sharedOuts(ws: Workspace, lock: LockFile, targets: string[] | undefined): LockedOut[] {
  return lockedOuts(lock, targetOwners(ws, targets)).filter(({ owner, out }) => !isUncachedOut(ws.dag.stages.get(owner), out.path));
}

export function targetOwners(ws: Workspace, targets: string[] | undefined): Set<string> | undefined {
  if (!targets?.length) return undefined;
  // Targets are stage names, or paths of tracked data (`lockstep add`).
  const data = new Set(ws.pipeline.data.map((d) => d.path));
  const paths = targets.map(normalizeRel).filter((t) => data.has(t));
  const stages = targets.filter((t) => !data.has(normalizeRel(t)));
  return new Set([...(stages.length ? selectStages(ws.dag, stages, { singleItem: true }) : []), ...paths]);
}

/**
 * A run record as the remote has it: validated (anyone with write access may have put it there), so an
 * invalid one is treated as absent. Undefined when there is none.
 */
export async function fetchRemoteRecord(ws: Workspace, session: RemoteSession, key: string): Promise<RunResult[] | undefined> {
  const tmp = tempSibling(join(tmpDirOf(ws.root), 'remote-record.json'));
  try {
    const got = await session.call('download', recordKey(key), (s) => {
      rmSync(tmp, { force: true });
      return s.get(recordKey(key), tmp);
    });
    if (!got) return undefined;
    const results = RunRecords.parse(readFileSync(tmp, 'utf8'));
    if (!results) ws.reporter.warn(`remote '${session.spec.name}': ${recordKey(key)} is not a valid run record; ignored`);
    return results;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Every run record on the remote (its run key) with its listed version: one listing, no download. A
 * failure is kept in `summary.error`, as for every other operation of a transfer, and gives undefined.
 */
export async function listRemoteRecords(session: RemoteSession, summary: { error?: Error }): Promise<Map<string, string> | undefined> {
  const listed = new Map<string, string>();
  try {
    await session.call('list', RUNS_PREFIX, async (s) => {
      listed.clear();
      for await (const { key: remoteKey, version } of s.list(RUNS_PREFIX)) {
        const key = parseRecordKey(remoteKey);
        if (key) listed.set(key, version);
      }
    });
  } catch (err) {
    summary.error ??= err as Error;
    return undefined;
  }
  return listed;
}
