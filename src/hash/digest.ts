/** A sha256 digest as lockstep writes it everywhere: 64 lowercase hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What we know about a file or directory's content. Paths in manifests are POSIX, relative to the directory. */
export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

export interface FileDigest {
  kind: 'file';
  sha256: string;
  size: number;
}

export interface DirDigest {
  kind: 'dir';
  /** sha256 of the canonical JSON of `manifest`. */
  sha256: string;
  /** Total bytes of the files. */
  size: number;
  nfiles: number;
  manifest: ManifestEntry[];
}

export type Digest = FileDigest | DirDigest;

/**
 * The bytes a directory digest is computed over (and stored as its manifest object). Every entry is built
 * (or parsed from such JSON) with keys in sorted order, path, sha256, size, so JSON.stringify is
 * canonical without re-sorting 100k objects.
 */
export function manifestJson(manifest: ManifestEntry[]): string {
  return JSON.stringify(manifest);
}
