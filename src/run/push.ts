import type { RunResult } from '../cache/run-records.js';
import { count, formatBytes } from '../util/format.js';
import { forEachPool } from '../util/pool.js';
import { OutObjects, uniqueRefs, type ObjectRef } from './remote-objects.js';
import { readWorkspaceLock } from './lock-files.js';
import { pushRecords } from './push-records.js';
import { sharedOuts } from './remote-records.js';
import { withRemote, type RemoteSession } from './remote-session.js';
import { TransferProgress } from './transfer-progress.js';
import type { Workspace } from './workspace.js';

export interface TransferOptions {
  /** Stage names (or foreach groups); empty = everything the lock references. */
  targets?: string[];
  /** Transfers in flight (default: the remote's `jobs`; 32 for S3). */
  jobs?: number;
  /** Move run records too (default true: a teammate's run is only reusable with its record). */
  runCache?: boolean;
}

export interface PushSummary {
  remote: string;
  uploaded: number;
  /** Objects the remote already had. */
  present: number;
  /** Objects that failed, or were not attempted after a failure. */
  failed: number;
  bytes: number;
  records: number;
  /** Outs the lock references whose objects are not all in the local cache (pushed as far as they are). */
  missingLocally: string[];
  /** The first failure, already named and hinted (a RemoteError); set when anything failed. */
  error?: Error;
}

/**
 * Uploads what the lock references and the run records, in an order that keeps the remote consistent
 * for readers at every moment: files, then directory manifests, then run records, each only once all
 * it points to is there. A no-op push asks the remote in one batch and uploads nothing.
 */
export async function push(ws: Workspace, remote: string | undefined, opts: TransferOptions = {}): Promise<PushSummary> {
  return withRemote(ws, remote, (session) => pushWith(ws, session, opts));
}

async function pushWith(ws: Workspace, session: RemoteSession, opts: TransferOptions): Promise<PushSummary> {
  const lock = readWorkspaceLock(ws);
  const outs = sharedOuts(ws, lock, opts.targets).map((o) => o.out);
  const records = opts.runCache === false ? [] : ws.runs.keys().map((key) => ({ key, results: ws.runs.read(key) }));
  const index = new OutObjects(ws);
  const summary: PushSummary = { remote: session.spec.name, uploaded: 0, present: 0, failed: 0, bytes: 0, records: 0, missingLocally: [] };
  summary.missingLocally = outs.filter((o) => !index.isLocal(o)).map((o) => o.path);

  // With targets only their outs go up; a run record follows when its objects are there anyway.
  const recordOuts = opts.targets?.length ? [] : records.flatMap((r) => r.results.flatMap((x) => x.outs));
  const wanted = [...outs, ...recordOuts].filter((o) => index.refs(o) !== undefined);
  const local = uniqueRefs(wanted.flatMap((o) => index.refs(o)!)).filter((r) => ws.objects.has(r.sha256));
  const isLocal = new Set(local.map((r) => r.sha256));
  ws.reporter.info(`checking ${local.length} objects on remote '${session.spec.name}'`);
  const onRemote = new Set<string>();
  const ask = async (refs: ObjectRef[]) => {
    const asked = refs.filter((r) => isLocal.has(r.sha256) && !onRemote.has(r.sha256));
    const keys = asked.map((r) => r.key);
    // A remote object of the wrong size (a push killed mid-upload to a store that writes in place) is re-sent.
    const sizes = new Map(asked.map((r) => [r.key, r.size]));
    const present = await session.call('check', `${keys.length} objects under files/`, (s) => s.hasMany(keys, sizes));
    for (const r of refs) if (present.has(r.key)) onRemote.add(r.sha256);
  };
  // First the files and the directory manifests: a manifest on the remote vouches for every file it
  // lists, since push uploads it only after them (DVC trusts its .dir objects the same way). A no-op
  // push of a 10k-file directory is then one question, not a listing of 10k keys.
  const dirs = wanted.filter((o) => o.nfiles !== undefined);
  await ask(uniqueRefs([...wanted.filter((o) => o.nfiles === undefined), ...dirs].map((o) => index.refs(o)!.at(-1)!)));
  const unvouched = dirs.filter((d) => !onRemote.has(d.sha256));
  for (const d of dirs) if (onRemote.has(d.sha256)) for (const r of index.refs(d)!) onRemote.add(r.sha256);
  if (unvouched.length) await ask(uniqueRefs(unvouched.flatMap((d) => index.refs(d)!)));
  summary.present = local.filter((r) => onRemote.has(r.sha256)).length;

  const missing = local.filter((r) => !onRemote.has(r.sha256));
  const progress = new TransferProgress(ws.reporter, 'pushing', missing.length, missing.reduce((n, r) => n + r.size, 0));
  const upload = async (ref: ObjectRef) => {
    try {
      await session.call('upload', ref.key, (s) => s.put(ref.key, ws.objects.pathOf(ref.sha256)));
      onRemote.add(ref.sha256);
      summary.uploaded++;
      summary.bytes += ref.size;
      progress.add(ref.size);
    } catch (err) {
      summary.error ??= err as Error;
    }
  };
  const jobs = opts.jobs ?? session.storage.jobs;
  await forEachPool(missing.filter((r) => !r.manifest), jobs, upload, () => summary.error !== undefined);
  // A manifest only once every file it lists is there (a file missing here too keeps it back): whoever
  // sees a manifest on the remote can fetch every file it lists.
  const filesThere = new Map(dirs.map((d) => [d.sha256, index.refs(d)!.every((r) => r.manifest || onRemote.has(r.sha256))]));
  await forEachPool(missing.filter((r) => r.manifest && filesThere.get(r.sha256)), jobs, upload, () => summary.error !== undefined);
  // Manifests held back for want of a local file are in missingLocally, not failures.
  const heldBack = summary.error ? 0 : missing.filter((r) => r.manifest && !filesThere.get(r.sha256)).length;
  summary.failed = local.length - summary.present - summary.uploaded - heldBack;

  // A record only with results whose every object is now on the remote: it must never point at nothing.
  const complete = (r: RunResult) => r.outs.every((o) => index.refs(o)?.every((x) => onRemote.has(x.sha256)) ?? false);
  if (!summary.error) await pushRecords(ws, session, records, complete, summary, jobs);
  ws.reporter.info(
    `remote '${session.spec.name}': ${summary.uploaded} uploaded (${formatBytes(summary.bytes)}), ${summary.present} already there, ${summary.failed} failed; ${count(summary.records, 'run record')} updated`,
  );
  return summary;
}
