import { ConfigError, LockstepError } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import type { LockedPath } from '../lock/types.js';
import { selectStages, type Selection } from '../pipeline/dag.js';
import { isExternalPath, schemeOf } from '../pipeline/external.js';
import { headS3Object } from '../remote/registry.js';
import type { Workspace } from './workspace.js';

/**
 * External dependencies (`https://…` and `s3://…` deps) are fingerprinted by their ETag, as DVC does: one HEAD request
 * each, before planning, so the rest of the engine sees them as ordinary digests. The ETag is digested
 * with a salt into the lock's sha256 field (the lock has no separate field for it).
 */
const TIMEOUT_MS = 30_000;

/** Fingerprints the external deps of the stages a command with these targets works on. */
export async function fingerprintExternalDeps(ws: Workspace, req: Selection & { targets: string[] }): Promise<void> {
  const selected = [...selectStages(ws.dag, req.targets, req)].map((name) => ws.dag.stages.get(name)!);
  const urls = new Set(selected.flatMap((s) => s.deps.map((d) => d.path).filter(isExternalPath)));
  await Promise.all([...urls].map(async (url) => ws.external.set(url, await fingerprint(url, ws))));
}

/** How each URL scheme is fingerprinted: a HEAD request, and its ETag. */
const FINGERPRINTERS = new Map<string, (url: string, ws: Workspace) => Promise<LockedPath>>([
  ['http', httpEtag],
  ['https', httpEtag],
  ['s3', s3Etag],
]);

async function fingerprint(url: string, ws: Workspace): Promise<LockedPath> {
  const scheme = schemeOf(url);
  const by = FINGERPRINTERS.get(scheme);
  if (!by) {
    throw new ConfigError(`external dependency ${url}: ${scheme}:// dependencies are not supported yet`, {
      hint: 'use an https:// URL, or download the file in a stage of its own and depend on that file',
    });
  }
  return by(url, ws);
}

async function s3Etag(url: string, ws: Workspace): Promise<LockedPath> {
  let head: { etag: string; size: number } | undefined;
  try {
    head = await headS3Object(ws.config, url);
  } catch (err) {
    if (err instanceof LockstepError) throw err;
    throw new LockstepError('E_EXTERNAL_DEP', `external dependency ${url} cannot be read: ${(err as Error).name}: ${(err as Error).message}`, {
      hint: 'check the credentials (AWS chain) and, for MinIO and the like, an s3 remote on that bucket with its endpoint; nothing was run',
      cause: err,
    });
  }
  if (!head?.etag) {
    throw new LockstepError('E_EXTERNAL_DEP', `external dependency ${url} does not exist`, { hint: 'check the bucket and key; nothing was run' });
  }
  return etagDigest(url, head.etag, head.size);
}

async function httpEtag(url: string): Promise<LockedPath> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new LockstepError('E_EXTERNAL_DEP', `external dependency ${url} cannot be reached: ${(err as Error).message}`, {
      hint: 'check the URL and the network; nothing was run',
      cause: err,
    });
  }
  const etag = response.headers.get('etag');
  if (!response.ok || !etag) {
    throw new LockstepError('E_EXTERNAL_DEP', `external dependency ${url}: ${response.ok ? 'the server sends no ETag, so a change cannot be detected' : `HTTP ${response.status}`}`, {
      hint: response.ok ? 'download it in a stage of its own and depend on the downloaded file' : 'check the URL; nothing was run',
    });
  }
  return etagDigest(url, etag, Number(response.headers.get('content-length') ?? 0));
}

/** The ETag (with the size the server reports) as the lock's digest of an external dep. */
function etagDigest(url: string, etag: string, size: number): LockedPath {
  return { path: url, sha256: sha256Bytes(`lockstep-etag-v1\0${etag}`), size: Number.isFinite(size) ? size : 0 };
}
