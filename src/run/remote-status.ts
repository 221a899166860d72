import { OutObjects, refOf } from './remote-objects.js';
import { readWorkspaceLock } from './lock-files.js';
import { sharedOuts } from './remote-records.js';
import { withRemote } from './remote-session.js';
import type { Workspace } from './workspace.js';

/** Per out: on the remote whole, here but not there, or neither here nor there. */
export type RemoteOutStatus = 'in sync' | 'not pushed' | 'missing on remote';

export interface RemoteStatus {
  remote: string;
  outs: { owner: string; path: string; status: RemoteOutStatus }[];
}

/**
 * `status --remote`: one batched question to the remote. A directory whose manifest is not local counts
 * as on the remote when its manifest is: push uploads a manifest only after every file it lists.
 */
export async function remoteStatus(ws: Workspace, remote: string | undefined, targets: string[] = []): Promise<RemoteStatus> {
  return withRemote(ws, remote, async (session) => {
    const lock = readWorkspaceLock(ws);
    const index = new OutObjects(ws);
    const sizes = new Map<string, number>();
    const outs = sharedOuts(ws, lock, targets).map(({ owner, out }) => {
      const refs = index.refs(out);
      // Sizes known here (every object of a file out, or of a directory whose manifest is local) are checked too.
      for (const r of refs ?? []) sizes.set(r.key, r.size);
      return { owner, out, keys: (refs ?? [refOf(out.sha256, 0, true)]).map((r) => r.key) };
    });
    const keys = [...new Set(outs.flatMap((o) => o.keys))];
    const present = await session.call('check', `${keys.length} objects under files/`, (s) => s.hasMany(keys, sizes));
    return {
      remote: session.spec.name,
      outs: outs.map(({ owner, out, keys: k }) => ({
        owner,
        path: out.path,
        status: k.every((x) => present.has(x)) ? 'in sync' : index.isLocal(out) ? 'not pushed' : 'missing on remote',
      })),
    };
  });
}
