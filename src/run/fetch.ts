import { readFileSync, statSync } from 'node:fs';
import { asManifest } from '../cache/remote-shapes.js';
import { RemoteRecordVersions, syncOf, type RecordSync } from '../cache/remote-record-versions.js';
import type { LockedPath } from '../lock/types.js';
import { unlinkIfExists } from '../util/atomic-write.js';
import { count, formatBytes } from '../util/format.js';
import { forEachPool } from '../util/pool.js';
import { checkoutOuts, type CheckoutResult } from './checkout-outs.js';
import { readWorkspaceLock } from './lock-files.js';
import type { TransferOptions } from './push.js';
import { OutObjects, refOf, uniqueRefs, type ObjectRef } from './remote-objects.js';
import { fetchRemoteRecord, listRemoteRecords, sharedOuts } from './remote-records.js';
import { withRemote, type RemoteSession } from './remote-session.js';
import { TransferProgress } from './transfer-progress.js';
import type { Workspace } from './workspace.js';

export interface FetchSummary {
  remote: string;
  downloaded: number;
  /** Objects already in the local cache. */
  present: number;
  /** Objects that failed, or were not attempted after a failure. */
  failed: number;
  bytes: number;
  /** Run records downloaded and merged: new on the remote, or rewritten there since the last fetch. */
  records: number;
  /** Remote keys whose bytes did not match their digest (or were not a valid manifest): never stored. */
  corrupt: string[];
  /** Remote keys that were not on the remote. */
  missing: string[];
  /** The first connection or permission failure, already named and hinted (a RemoteError). */
  error?: Error;
}

export type DownloadResult = 'ok' | 'missing' | 'corrupt';

/**
 * Downloads one object into the local cache, verified: it lands in a temp file beside its final place,
 * is hashed on the way, and only bytes that hash to its name are stored under it. A manifest must also
 * parse as one.
 */
export async function downloadObject(ws: Workspace, session: RemoteSession, ref: ObjectRef): Promise<DownloadResult> {
  const tmp = ws.objects.tempFor(ref.sha256);
  let adopted = false;
  try {
    const got = await session.call('download', ref.key, (s) => {
      // A retry starts over: the temp name is exclusive, so a failed attempt's bytes must go first.
      unlinkIfExists(tmp);
      return s.get(ref.key, tmp);
    });
    if (!got) return 'missing';
    if (got.sha256 !== ref.sha256) return 'corrupt';
    if (ref.manifest && !asManifest(safeJson(readFileSync(tmp, 'utf8')))) return 'corrupt';
    adopted = true;
    ws.objects.adopt(tmp, ref.sha256);
    return 'ok';
  } finally {
    if (!adopted) unlinkIfExists(tmp);
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** Downloads what is not local yet; manifests (which say what else to fetch) in a first round. */
export async function fetchRefs(ws: Workspace, session: RemoteSession, refs: ObjectRef[], summary: FetchSummary, jobs: number): Promise<void> {
  const todo = uniqueRefs(refs).filter((r) => !ws.objects.has(r.sha256));
  summary.present += uniqueRefs(refs).length - todo.length;
  const progress = new TransferProgress(ws.reporter, 'fetching', todo.length, todo.reduce((n, r) => n + r.size, 0));
  let attempted = 0;
  await forEachPool(
    todo,
    jobs,
    async (ref) => {
      attempted++;
      try {
        const result = await downloadObject(ws, session, ref);
        if (result === 'ok') {
          // A manifest's size is known only once it is here.
          const size = ref.manifest ? statSync(ws.objects.pathOf(ref.sha256)).size : ref.size;
          summary.downloaded++;
          summary.bytes += size;
          progress.add(size);
        } else {
          summary[result].push(ref.key);
          if (result === 'corrupt') {
            const what = ref.manifest ? 'does not match its sha256, or is not a manifest of safe relative paths' : 'does not match its sha256';
            ws.reporter.error(`remote '${session.spec.name}': ${ref.key} ${what}; not stored`);
          }
        }
      } catch (err) {
        summary.failed++;
        summary.error ??= err as Error;
      }
    },
    () => summary.error !== undefined,
  );
  summary.failed += todo.length - attempted;
}

/** Fills the local cache with what the lock references (and the run records) from the remote. */
export async function fetch(ws: Workspace, remote: string | undefined, opts: TransferOptions = {}): Promise<FetchSummary> {
  return withRemote(ws, remote, (session) => fetchWith(ws, session, opts));
}

async function fetchWith(ws: Workspace, session: RemoteSession, opts: TransferOptions): Promise<FetchSummary> {
  const lock = readWorkspaceLock(ws);
  const outs = sharedOuts(ws, lock, opts.targets).map((o) => o.out);
  const summary: FetchSummary = { remote: session.spec.name, downloaded: 0, present: 0, failed: 0, bytes: 0, records: 0, corrupt: [], missing: [] };
  const jobs = opts.jobs ?? session.storage.jobs;
  const index = new OutObjects(ws);
  const manifests = outs.filter((o) => o.nfiles !== undefined && index.refs(o) === undefined).map((o) => refOf(o.sha256, 0, true));
  await fetchRefs(ws, session, manifests, summary, jobs);
  const known = new OutObjects(ws);
  if (!summary.error) await fetchRefs(ws, session, outs.flatMap((o: LockedPath) => (known.refs(o) ?? []).filter((r) => !r.manifest)), summary, jobs);
  if (!summary.error && opts.runCache !== false) await fetchRecords(ws, session, summary, jobs);
  ws.reporter.info(
    `remote '${session.spec.name}': ${summary.downloaded} downloaded (${formatBytes(summary.bytes)}), ${summary.present} already here, ${summary.failed} failed` +
      `${summary.corrupt.length ? `, ${summary.corrupt.length} corrupt` : ''}${summary.missing.length ? `, ${summary.missing.length} missing on the remote` : ''}; ${count(summary.records, 'run record')} merged`,
  );
  return summary;
}

/**
 * Merges the remote's run records into the local run-cache (the objects come when a restore needs them).
 * Only records whose listed version this cache has not merged yet are downloaded (each verified as a
 * record), so a fetch with nothing new costs the listing alone. A record rewritten on the remote (push
 * merges a teammate's results into it) has a new version and comes again; one that is not valid is
 * not remembered, so it is reported again next time.
 */
async function fetchRecords(ws: Workspace, session: RemoteSession, summary: FetchSummary, jobs: number): Promise<void> {
  const listed = await listRemoteRecords(session, summary);
  if (!listed) return;
  const versions = new RemoteRecordVersions(ws.root, session.spec.display);
  // A record deleted here (by hand, or by gc when none of its results was left) is fetched again.
  const local = new Set(ws.runs.keys());
  const merged = new Map<string, RecordSync>();
  const todo: string[] = [];
  for (const [key, version] of listed) {
    if (versions.has(key, version) && local.has(key)) merged.set(key, versions.get(key)!);
    else todo.push(key);
  }
  await forEachPool(
    todo,
    jobs,
    async (key) => {
      try {
        const results = await fetchRemoteRecord(ws, session, key);
        if (results) {
          // The listed version, not whatever the download got: if the record changed in between, the
          // next fetch sees a version it does not know and downloads it again.
          merged.set(key, syncOf(listed.get(key)!, ws.runs.merge(key, results), results));
          summary.records++;
        }
      } catch (err) {
        summary.error ??= err as Error;
      }
    },
    () => summary.error !== undefined,
  );
  versions.save(merged);
}

export interface PullResult {
  fetch: FetchSummary;
  checkout: CheckoutResult;
}

/** `fetch`, then `checkout` (which never overwrites unsaved edits unless `force`). */
export async function pull(ws: Workspace, remote: string | undefined, opts: TransferOptions & { force?: boolean } = {}): Promise<PullResult> {
  const fetched = await fetch(ws, remote, opts);
  return { fetch: fetched, checkout: checkoutOuts(ws, opts.targets ?? [], opts.force ?? false) };
}
