import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Config } from '../pipeline/config.js';
import { stateRootOf } from '../util/repo-root.js';
import { redact } from './redact.js';
import type { S3RemoteOptions } from './s3.js';
import type { RemoteStorage } from './types.js';

/** The keys a remote may have (`lockstep remote modify NAME KEY VALUE`), as DVC names them. */
export const REMOTE_KEYS = ['url', 'endpoint', 'region', 'profile', 'force_path_style', 'jobs'] as const;
export type RemoteKey = (typeof REMOTE_KEYS)[number];

/** A validated remote, not yet connected: opening it loads its backend (the AWS SDK only for s3://). */
export interface RemoteSpec {
  name: string;
  kind: 's3' | 'directory';
  /** For messages: the URL (and endpoint) without credentials. */
  display: string;
  open(): Promise<RemoteStorage>;
}

/** Names the file and key of a setting in messages: `.lockstep/config.yaml remotes.storage.url`. */
type Where = (key: string) => string;

interface Backend {
  keys: readonly RemoteKey[];
  create(name: string, url: string, raw: Record<string, unknown>, where: Where, root: string): RemoteSpec;
}

const URL_HINT = 'a remote URL is s3://bucket/prefix or a directory path (absolute, or relative to the repository root)';

function optString(raw: Record<string, unknown>, key: RemoteKey, where: Where): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${where(key)}: must be a non-empty string`);
  return v;
}

function optJobs(raw: Record<string, unknown>, where: Where): number | undefined {
  const v = raw.jobs;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1024) {
    throw new ConfigError(`${where('jobs')}: must be a whole number from 1 to 1024, got ${JSON.stringify(v)}`);
  }
  return v;
}

function s3Options(url: string, raw: Record<string, unknown>, where: Where): S3RemoteOptions {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  const bucket = m?.[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`${where('url')}: '${redact(url)}' does not name a valid bucket`, {
      hint: `a bucket name is 3 to 63 characters: lowercase letters, digits, '.' and '-'; ${URL_HINT}`,
    });
  }
  const prefix = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  const endpoint = optString(raw, 'endpoint', where);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ConfigError(`${where('endpoint')}: must be an http:// or https:// URL`, { hint: 'for MinIO: endpoint: http://127.0.0.1:9000' });
  }
  const fps = raw.force_path_style;
  if (fps !== undefined && typeof fps !== 'boolean') throw new ConfigError(`${where('force_path_style')}: must be true or false`);
  const jobs = optJobs(raw, where);
  const region = optString(raw, 'region', where);
  const profile = optString(raw, 'profile', where);
  return {
    bucket,
    prefix,
    url: redact(url),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
    // MinIO, Ceph and s3rver serve buckets as paths, not as virtual hosts.
    forcePathStyle: fps ?? endpoint !== undefined,
    ...(jobs === undefined ? {} : { jobs }),
  };
}

const s3Backend: Backend = {
  keys: REMOTE_KEYS,
  create(name, url, raw, where) {
    const opts = s3Options(url, raw, where);
    const { endpoint } = opts;
    return {
      name,
      kind: 's3',
      display: endpoint ? `${opts.url} at ${redact(endpoint)}` : opts.url,
      open: async () => new (await import('./s3.js')).S3Remote(opts),
    };
  },
};

const directoryBackend: Backend = {
  keys: ['url', 'jobs'],
  create(name, url, raw, where, root) {
    const dir = url.startsWith('file://') ? fileURLToPath(url) : isAbsolute(url) ? url : resolve(stateRootOf(root), url);
    const jobs = optJobs(raw, where);
    return { name, kind: 'directory', display: redact(url), open: async () => (await import('./local.js')).openLocalRemote(name, { dir, url: redact(url), jobs }) };
  },
};

function backendFor(url: string, where: Where): Backend {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return directoryBackend;
  if (scheme === 's3') return s3Backend;
  throw new ConfigError(`${where('url')}: unsupported URL scheme '${scheme}://'`, { hint: URL_HINT });
}

/** Checks one remote's settings: every problem is a ConfigError naming the file and key (exit 2). */
export function validateRemote(name: string, raw: Record<string, unknown>, where: Where, root: string): RemoteSpec {
  const url = raw.url;
  if (typeof url !== 'string' || url === '') {
    throw new ConfigError(`${where('url')}: remote '${name}' has no url`, { hint: `lockstep remote modify ${name} url s3://bucket/prefix` });
  }
  const backend = backendFor(url, where);
  for (const key of Object.keys(raw)) {
    if (!(backend.keys as readonly string[]).includes(key)) {
      const known = (REMOTE_KEYS as readonly string[]).includes(key);
      throw new ConfigError(`${where(key)}: ${known ? `does not apply to a ${backend === s3Backend ? 's3' : 'directory'} remote` : 'unknown key'}`, {
        hint: `the keys of a remote are ${backend.keys.join(', ')}`,
      });
    }
  }
  return backend.create(name, url, raw, where, root);
}

function whereIn(config: Config, name: string): Where {
  return (key) => `${config.origins[`remotes.${name}.${key}`] ?? config.origins[`remotes.${name}`] ?? '.lockstep/config.yaml'} remotes.${name}.${key}`;
}

/** Validates every configured remote and the default: a configuration mistake fails every command. */
export function validateRemotes(config: Config, root: string): void {
  for (const [name, raw] of Object.entries(config.remotes)) validateRemote(name, raw, whereIn(config, name), root);
  if (config.remote !== undefined && !Object.hasOwn(config.remotes, config.remote)) {
    throw new ConfigError(`${config.origins.remote ?? '.lockstep/config.yaml'} remote: '${config.remote}' names no remote`, {
      hint: `configured remotes: ${Object.keys(config.remotes).join(', ') || 'none'}; lockstep remote default NAME`,
    });
  }
}

/** The named remote, or the default one; undefined only when `optional` and none is configured. */
export function resolveRemote(config: Config, root: string, name: string | undefined, optional = false): RemoteSpec | undefined {
  const chosen = name ?? config.remote ?? (Object.keys(config.remotes).length === 1 ? Object.keys(config.remotes)[0] : undefined);
  if (chosen === undefined) {
    if (optional) return undefined;
    throw new ConfigError(
      Object.keys(config.remotes).length ? 'several remotes and no default' : 'no remote is configured',
      { hint: Object.keys(config.remotes).length ? 'choose one with -r NAME, or set a default: lockstep remote default NAME' : 'lockstep remote add -d NAME s3://bucket/prefix (or a directory path)' },
    );
  }
  const raw = Object.hasOwn(config.remotes, chosen) ? config.remotes[chosen] : undefined;
  if (!raw) {
    throw new ConfigError(`no remote named '${chosen}'`, { hint: `configured remotes: ${Object.keys(config.remotes).join(', ') || 'none'}` });
  }
  return validateRemote(chosen, raw, whereIn(config, chosen), root);
}

/**
 * The ETag and size of an `s3://bucket/key` object (an external dependency), or undefined when it does
 * not exist. The endpoint, region and profile of a configured s3 remote on the same bucket apply (so a
 * MinIO bucket works as it does for push); otherwise the SDK's defaults. The AWS SDK loads only here.
 */
export async function headS3Object(config: Config, url: string): Promise<{ etag: string; size: number } | undefined> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new ConfigError(`external dependency ${redact(url)}: an s3:// dependency is s3://bucket/key`);
  const [, bucket, key] = m as unknown as [string, string, string];
  const same = Object.entries(config.remotes).find(([, raw]) => typeof raw.url === 'string' && raw.url.startsWith('s3://') && raw.url.split('/')[2] === bucket);
  const opts: S3RemoteOptions = same ? { ...s3Options(same[1].url as string, same[1], whereIn(config, same[0])), prefix: '' } : { bucket, prefix: '', url: `s3://${bucket}` };
  const remote = new (await import('./s3.js')).S3Remote(opts);
  try {
    return await remote.stat(key);
  } finally {
    remote.close();
  }
}
