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
