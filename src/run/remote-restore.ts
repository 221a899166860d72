import { runKey } from '../cache/run-records.js';
import { LockstepError } from '../errors.js';
import type { LockedPath } from '../lock/types.js';
import { forEachPool } from '../util/pool.js';
import { onlyOutsMissing } from './allow-missing.js';
import { downloadObject } from './fetch.js';
import { OutObjects, refOf } from './remote-objects.js';
import { fetchRemoteRecord } from './remote-records.js';
import type { RemoteSession } from './remote-session.js';
import type { RemoteHit, RemoteRestore } from './scheduler.js';
import { recordedResults, runCacheEligible, runInputs } from './run-cache.js';
import type { Workspace } from './workspace.js';

/**
 * `repro --pull`: before a changed stage runs, its outputs may be on the remote: the locked outs of a
 * stage whose only change is that they are absent here, or a result in its run record there. Remote
 * trouble is one warning and a miss (the stage runs); after it the remote is left alone for this run.
 */
export function remoteRestorer(ws: Workspace, session: RemoteSession, useRunCache: boolean): RemoteRestore {
  let broken = false;
  return async (stage, state, reasons, entry) => {
    if (broken) return undefined;
    try {
      const candidates: RemoteHit[] = [];
      if (entry && onlyOutsMissing(reasons)) candidates.push({ outs: entry.outs });
      if (useRunCache && runCacheEligible(stage) && state.deps.every((d) => d.digest)) {
        const key = runKey(runInputs(ws, stage, state));
        const remote = await fetchRemoteRecord(ws, session, key);
        const results = recordedResults(ws, key, remote ? ws.runs.merge(key, remote) : undefined);
        candidates.push(...results.map((r) => ({ outs: r.outs, key })));
      }
      for (const c of candidates) if (await fetchOuts(ws, session, c.outs)) return c;
      return undefined;
    } catch (err) {
      if (!(err instanceof LockstepError)) throw err;
      broken = true;
      ws.reporter.warn(`${err.message}\n  the remote is not used for the rest of this run: stages run instead`);
      return undefined;
    }
  };
}

/** Brings every object of `outs` into the local cache; false when one is missing or corrupt on the remote. */
async function fetchOuts(ws: Workspace, session: RemoteSession, outs: LockedPath[]): Promise<boolean> {
  const fetchOne = async (ref: ReturnType<typeof refOf>) => {
    if (ws.objects.has(ref.sha256)) return true;
    const result = await downloadObject(ws, session, ref);
    if (result === 'corrupt') ws.reporter.warn(`remote '${session.spec.name}': ${ref.key} does not match its sha256; not used`);
    return result === 'ok';
  };
  for (const out of outs) {
    if (out.nfiles !== undefined && !(await fetchOne(refOf(out.sha256, 0, true)))) return false;
  }
  const index = new OutObjects(ws);
  const refs = outs.flatMap((o) => index.refs(o) ?? []);
  let ok = true;
  await forEachPool(refs, session.storage.jobs, async (ref) => {
    if (!(await fetchOne(ref))) ok = false;
  }, () => !ok);
  return ok;
}
