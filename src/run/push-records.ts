import { recordDigest, RemoteRecordVersions, syncOf, type RecordSync } from '../cache/remote-record-versions.js';
import { RunRecords, type RunResult } from '../cache/run-records.js';
import { recordKey } from '../remote/keys.js';
import { forEachPool } from '../util/pool.js';
import { fetchRemoteRecord, listRemoteRecords } from './remote-records.js';
import type { RemoteSession } from './remote-session.js';
import type { Workspace } from './workspace.js';

export interface LocalRecord {
  key: string;
  results: RunResult[];
}

/**
 * Merges the local run records into the remote's, each with only the results `complete` accepts (those
 * whose objects are all on the remote: a record must never point at nothing). One listing first: a record
 * whose listed version is the one last merged or written here, and whose local content has not changed
 * since the two were equal, has nothing to send and is neither downloaded nor uploaded. So a push with
 * nothing new costs the listing, not one download per record.
 */
export async function pushRecords(
  ws: Workspace,
  session: RemoteSession,
  records: LocalRecord[],
  complete: (r: RunResult) => boolean,
  summary: { records: number; error?: Error },
  jobs: number,
): Promise<void> {
  const candidates = records.filter((r) => r.results.some(complete));
  if (!candidates.length) return;
  const listed = await listRemoteRecords(session, summary);
  if (!listed) return;
  const versions = new RemoteRecordVersions(ws.root, session.spec.display);
  const states = new Map<string, RecordSync>();
  for (const [key, version] of listed) if (versions.has(key, version)) states.set(key, versions.get(key)!);
  const todo = candidates.filter((r) => !versions.inSync(r.key, listed.get(r.key), recordDigest(r.results)));
  await forEachPool(
    todo,
    jobs,
    async ({ key, results }) => {
      try {
        const { uploaded, sync } = await pushRecord(ws, session, key, results.filter(complete), listed.get(key));
        if (uploaded) summary.records++;
        if (sync) states.set(key, sync);
        else states.delete(key);
      } catch (err) {
        summary.error ??= err as Error;
      }
    },
    () => summary.error !== undefined,
  );
  versions.save(states);
}

/**
 * Merges `results` into the remote record; uploads only when that changes it. What the remote held comes
 * into the local record too (it was downloaded anyway), so the next fetch need not download it again.
 * The sync state is known when the remote's version is: the listed one when nothing was uploaded, else
 * the one the upload returned (undefined when the backend cannot tell).
 */
async function pushRecord(
  ws: Workspace,
  session: RemoteSession,
  key: string,
  results: RunResult[],
  listedVersion: string | undefined,
): Promise<{ uploaded: boolean; sync?: RecordSync }> {
  // Not listed a moment ago: nothing to merge with. Should a teammate's push land in between and be
  // overwritten, its version changes under them, so their next push merges their results back in.
  const remote = listedVersion === undefined ? undefined : await fetchRemoteRecord(ws, session, key);
  const merged = RunRecords.merge(remote ?? [], results);
  const uploaded = !remote || RunRecords.serialize(merged) !== RunRecords.serialize(remote);
  const version = uploaded
    ? await session.call('upload', recordKey(key), (s) => s.put(recordKey(key), Buffer.from(RunRecords.serialize(merged))))
    : listedVersion;
  const local = ws.runs.merge(key, merged);
  return { uploaded, ...(version === undefined ? {} : { sync: syncOf(version, local, merged) }) };
}
