import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { forEachPool } from '../util/pool.js';
import { streamToFile } from './stream-to-file.js';
import type { ListedKey, RemoteStorage } from './types.js';

export interface S3RemoteOptions {
  bucket: string;
  /** Key prefix without a trailing slash ('' for the bucket root). */
  prefix: string;
  url: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  forcePathStyle?: boolean;
  jobs?: number;
}

const DEFAULT_JOBS = 32;
/**
 * Files up to this size are read in one synchronous call: for the typical 4 KiB object a read stream
 * (async open, read, read, close) cost more CPU than the upload itself (profiled: ~0.4 ms per file).
 */
const SMALL_FILE = 1024 * 1024;
/** Above this a file goes up in parts (several in flight); below, one PUT. */
const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/**
 * lib-storage holds every part in flight in memory (and copies while cutting parts): 8 MiB parts, 4 at
 * a time keep a 1 GiB push under 200 MiB of RSS. Larger files get larger parts (S3 allows 10,000).
 */
const MIN_PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 9000;
const PART_QUEUE = 4;
/** A HEAD costs about what one listing page (1,000 keys) costs: list while that is the cheaper way. */
const LIST_PAGE = 1000;

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * S3 and S3-compatible stores (MinIO, R2, Ceph) through the AWS SDK, with its standard credential chain
 * (env, shared profile, web identity: GitHub OIDC needs no code here). The SDK's own retries are off:
 * run/ retries whole operations, which also reopens a file stream that a failed attempt consumed.
 */
export class S3Remote implements RemoteStorage {
  readonly url: string;
  readonly jobs: number;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(opts: S3RemoteOptions) {
    this.url = opts.url;
    this.jobs = opts.jobs ?? DEFAULT_JOBS;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ? `${opts.prefix}/` : '';
    // Lockstep pins an SDK line that supports Node 20 on purpose; its notice about later lines is noise here.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (opts.endpoint ? 'us-east-1' : undefined);
    this.client = new S3Client({
      ...(region ? { region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
      forcePathStyle: opts.forcePathStyle ?? false,
      // With the SDK's default (WHEN_SUPPORTED), streamed uploads to S3-compatible servers can be stored
      // with the aws-chunked framing bytes in them and still report success.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      // Build each command's middleware chain once instead of per request (~10k PUTs in a push); we add
      // no per-command middleware, and lib-storage adds none either.
      cacheMiddleware: true,
      requestHandler: {
        connectionTimeout: 10_000,
        requestTimeout: 120_000,
        httpAgent: { keepAlive: true, maxSockets: this.jobs },
        httpsAgent: { keepAlive: true, maxSockets: this.jobs },
      },
    });
  }

  private full(key: string): string {
    return this.prefix + key;
  }

  async hasMany(keys: readonly string[], sizes?: ReadonlyMap<string, number>): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const fits = (key: string, size: number | undefined) => sizes?.get(key) === undefined || sizes.get(key) === size;
    const listed = await this.tryListing(keys, fits);
    if (listed) return listed;
    const present = new Set<string>();
    await forEachPool(keys, this.jobs, async (key) => {
      const found = await this.stat(key);
      if (found && fits(key, found.size)) present.add(key);
    });
    return present;
  }

  /**
   * Lists the common prefix of `keys` while that costs fewer requests than one HEAD per key; gives up
   * (undefined) when the remote holds so much more that HEADs are cheaper.
   */
  private async tryListing(keys: readonly string[], fits: (key: string, size: number | undefined) => boolean): Promise<Set<string> | undefined> {
    const prefix = commonDirPrefix(keys);
    const budget = Math.floor(keys.length / 4);
    if (budget < 1) return undefined;
    const wanted = new Set(keys);
    const present = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < budget; page++) {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.full(prefix), MaxKeys: LIST_PAGE, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        const key = o.Key?.slice(this.prefix.length);
        if (key !== undefined && wanted.has(key) && fits(key, o.Size)) present.add(key);
      }
      if (!r.IsTruncated) return present;
      token = r.NextContinuationToken;
    }
    return undefined;
  }

  /** The ETag and size of `key` (HEAD), or undefined when it does not exist. */
  async stat(key: string): Promise<{ etag: string; size: number } | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return { etag: r.ETag ?? '', size: r.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The version is the ETag S3 answers with, the one its listing shows for this write. */
  async put(key: string, source: string | Buffer): Promise<string | undefined> {
    const Key = this.full(key);
    if (typeof source !== 'string') {
      return (await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: source, ContentLength: source.length }))).ETag;
    }
    const { size } = statSync(source);
    if (size <= SMALL_FILE) {
      return (await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: readFileSync(source), ContentLength: size }))).ETag;
    }
    if (size <= MULTIPART_THRESHOLD) {
      return (await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: createReadStream(source), ContentLength: size }))).ETag;
    }
    // S3 publishes a multipart object only on CompleteMultipartUpload, so readers never see part of it.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: createReadStream(source, { highWaterMark: 1 << 20 }) },
      partSize: Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS)),
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
    });
    return (await upload.done()).ETag;
  }

  async get(key: string, dest: string): Promise<{ sha256: string; size: number } | undefined> {
    let r;
    try {
      r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (r.ContentLength !== undefined && r.ContentLength <= SMALL_FILE && r.Body) {
      // As for uploads: for small objects a buffer and one write cost far less CPU than a stream pipeline.
      const bytes = await r.Body.transformToByteArray();
      writeFileSync(dest, bytes, { flag: 'wx' });
      return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    }
    return streamToFile(r.Body as Readable, dest);
  }

  async *list(prefix: string): AsyncIterable<ListedKey> {
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.full(prefix), MaxKeys: LIST_PAGE, ContinuationToken: token }),
      );
      // Every PUT gets a new ETag unless the bytes are the same (then it does not matter); stores whose
      // listing has none still change size or date with each write.
      for (const o of r.Contents ?? []) if (o.Key) yield { key: o.Key.slice(this.prefix.length), version: o.ETag ?? `${o.Size}@${o.LastModified?.toISOString()}` };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}

/** The longest `a/b/` prefix every key shares. */
function commonDirPrefix(keys: readonly string[]): string {
  let prefix = keys[0]!.slice(0, keys[0]!.lastIndexOf('/') + 1);
  for (const k of keys) while (!k.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  return prefix;
}
