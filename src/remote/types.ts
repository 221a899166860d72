/**
 * What every remote backend offers: bytes moved by key, nothing more. Keys mirror the local cache layout
 * (`files/sha256/ab/cdef…`, `runs/ab/<key>.json`, see keys.ts); which keys to move, in which order, and
 * how to verify what arrives is decided above, in run/ (backends never import cache or run).
 */
export interface RemoteStorage {
  /** The remote's URL for messages: never credentials. */
  readonly url: string;
  /** Transfers in flight by default (the `jobs` key, or the backend's own default). */
  readonly jobs: number;
  /**
   * Which of `keys` exist on the remote (batched: listing by prefix when that is cheaper). With `sizes`, a
   * key whose object has another size counts as absent: a truncated upload (a store that writes in place,
   * a killed client) is then uploaded again instead of vouched for.
   */
  hasMany(keys: readonly string[], sizes?: ReadonlyMap<string, number>): Promise<Set<string>>;
  /**
   * Stores a local file (path) or bytes under `key`. A reader never sees a partial object under `key`:
   * it appears whole or not at all. Returns the version `list` shows for what this call wrote, when the
   * backend learns it for free (S3: the PUT's ETag; a directory: the temp file's stat, which the rename
   * keeps), so a writer need not download its own write again; undefined when it cannot tell.
   */
  put(key: string, source: string | Buffer): Promise<string | undefined>;
  /**
   * Downloads `key` into `dest` (created exclusively, so two writers never share it) and returns the
   * sha256 and size of the bytes written; undefined when the key does not exist. On failure `dest` may
   * be left behind: the caller owns it.
   */
  get(key: string, dest: string): Promise<{ sha256: string; size: number } | undefined>;
  /** Every key under `prefix`, in no particular order, with its version. */
  list(prefix: string): AsyncIterable<ListedKey>;
  /** Releases sockets; the object must not be used afterwards. */
  close(): void;
}

export interface ListedKey {
  key: string;
  /**
   * Changes whenever something is written under `key` again, so a reader can tell that it already has
   * what is there without downloading it (S3: the ETag; a directory: inode, size and mtime of the file).
   */
  version: string;
}
