import { errnoCode, LockstepError, RemoteError } from '../errors.js';
import { redact } from '../remote/redact.js';
import { resolveRemote, type RemoteSpec } from '../remote/registry.js';
import { withRetry } from '../remote/retry.js';
import type { RemoteStorage } from '../remote/types.js';
import type { Workspace } from './workspace.js';

/** An open remote: every call retried on connection trouble and throttling, failures named. */
export interface RemoteSession {
  spec: RemoteSpec;
  storage: RemoteStorage;
  /** Runs one operation on the remote; a final failure is a RemoteError naming the remote, `op` and `key`. */
  call<T>(op: string, key: string, fn: (s: RemoteStorage) => Promise<T>): Promise<T>;
  close(): void;
}

/** The remote `name` (or the default), connected. Configuration mistakes are ConfigErrors (exit 2). */
export async function openRemote(ws: Workspace, name: string | undefined): Promise<RemoteSession> {
  const spec = resolveRemote(ws.config, ws.root, name)!;
  const storage = await spec.open().catch((err: unknown) => {
    // A backend's own verdict (a missing directory remote) stands; anything else is named like any remote failure.
    throw err instanceof LockstepError ? err : remoteError(spec, 'open', spec.display, err);
  });
  return {
    spec,
    storage,
    call: async (op, key, fn) => {
      try {
        return await withRetry(() => fn(storage));
      } catch (err) {
        throw remoteError(spec, op, key, err);
      }
    },
    close: () => storage.close(),
  };
}

/** Opens the remote, runs `fn` with it, and always closes it. */
export async function withRemote<T>(ws: Workspace, name: string | undefined, fn: (session: RemoteSession) => Promise<T>): Promise<T> {
  const session = await openRemote(ws, name);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** What to check first, judged from the error: credentials, bucket, endpoint or directory. */
function hintFor(spec: RemoteSpec, err: unknown): string {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? '';
  const code = errnoCode(err) ?? '';
  if (/Credential|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|Forbidden/i.test(name) || status === 401 || status === 403) {
    return 'check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the profile key, and that they may use this bucket';
  }
  if (name === 'NoSuchBucket') return `check the bucket in the url of remote '${spec.name}': lockstep remote list`;
  if (/region/i.test(String((err as Error)?.message))) return `set the region: lockstep remote modify ${spec.name} region eu-west-1`;
  if (spec.kind === 'directory') {
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'check that the remote directory is writable by you'
      : 'check that the remote directory exists and is mounted';
  }
  if (/ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(code) || /Timeout/i.test(name)) {
    return `check the endpoint of remote '${spec.name}' and that the server is up: lockstep remote list`;
  }
  return 'check the remote settings (lockstep remote list), the credentials and the bucket; then run the command again';
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = errnoCode(err);
  const text = e?.message || e?.name || String(err);
  const status = e?.$metadata?.httpStatusCode;
  return redact(`${text}${code && !text.includes(code) ? ` (${code})` : ''}${status && !text.includes(String(status)) ? ` (HTTP ${status})` : ''}`);
}

export function remoteError(spec: RemoteSpec, op: string, key: string, err: unknown): RemoteError {
  // The cause is kept off the error: SDK errors carry request details that may include signed headers.
  return new RemoteError(`remote '${spec.name}' (${spec.display}): ${op} ${key} failed: ${describe(err)}`, { hint: hintFor(spec, err) });
}
