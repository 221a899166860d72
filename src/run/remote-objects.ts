import { statSync } from 'node:fs';
import { tryReadManifest } from '../cache/checkout.js';
import type { LockedPath } from '../lock/types.js';
import { objectKey } from '../remote/keys.js';
import type { Workspace } from './workspace.js';

export interface ObjectRef {
  sha256: string;
  size: number;
  key: string;
  /** A directory manifest: pushed after the files it lists, fetched before them. */
  manifest?: boolean;
}

export const refOf = (sha256: string, size: number, manifest = false): ObjectRef => ({ sha256, size, key: objectKey(sha256), ...(manifest ? { manifest } : {}) });

/** The objects behind outs, as far as the local cache knows them (memoized: many outs share directories). */
export class OutObjects {
  private readonly memo = new Map<string, ObjectRef[] | undefined>();

  constructor(private readonly ws: Workspace) {}

  /** Every object an out needs (a directory: its files, then its manifest); undefined when the manifest is not local. */
  refs(out: LockedPath): ObjectRef[] | undefined {
    if (out.nfiles === undefined) return [refOf(out.sha256, out.size)];
    if (this.memo.has(out.sha256)) return this.memo.get(out.sha256);
    const manifest = tryReadManifest(this.ws.objects, out.sha256);
    const refs = manifest && [...manifest.map((e) => refOf(e.sha256, e.size)), refOf(out.sha256, statSync(this.ws.objects.pathOf(out.sha256)).size, true)];
    this.memo.set(out.sha256, refs);
    return refs;
  }

  /** True when every object of the out is in the local cache. */
  isLocal(out: LockedPath): boolean {
    return this.refs(out)?.every((r) => this.ws.objects.has(r.sha256)) ?? false;
  }
}

/** One entry per digest. */
export function uniqueRefs(refs: Iterable<ObjectRef>): ObjectRef[] {
  const byDigest = new Map<string, ObjectRef>();
  for (const r of refs) byDigest.set(r.sha256, r);
  return [...byDigest.values()];
}
