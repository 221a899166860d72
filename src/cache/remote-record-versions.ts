import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REMOTE_RECORDS_DIR, stateDirOf } from '../constants.js';
import { errnoCode } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { RunRecords, type RunResult } from './run-records.js';

/** What the local run-cache knows of one remote run record. */
export interface RecordSync {
  /** The remote's version whose results the local record holds (merged in by fetch, or written by push). */
  version: string;
  /**
   * The local record's digest (`recordDigest`) at a moment it held exactly what that version holds; absent
   * when it held more (results the remote had not taken). While both are unchanged, push has nothing to send.
   */
  digest?: string;
}

/**
 * A local record's content, for telling whether it changed since it last matched the remote. Not its
 * results count: a record is bounded (10 results), so a new result can push out an old one and keep the
 * count, and a rerun with identical outs only moves a result to the front with a new date.
 */
export const recordDigest = (results: RunResult[]): string => sha256Bytes(RunRecords.serialize(results));

/** The sync state once the local record holds `local` and the remote's `version` holds `remote`. */
export function syncOf(version: string, local: RunResult[], remote: RunResult[]): RecordSync {
  const text = RunRecords.serialize(local);
  return text === RunRecords.serialize(remote) ? { version, digest: sha256Bytes(text) } : { version };
}

/**
 * Which version of each of a remote's run records the local run-cache has merged, and whether the local
 * record still equals it: a fetch downloads a record only when the remote's listing shows a version not in
 * here; a push reads and merges one only when, besides, the local record changed since the two were equal.
 * A record's name is not enough: push merges into a record (read, merge, write), so the name stays while
 * what it holds grows.
 *
 * One file per remote (`.lockstep/cache/remote-runs/<id>.tsv`, `key<TAB>version<TAB>digest` lines, the
 * digest possibly empty), beside the run-cache it describes: deleting the cache forgets it too. A missing
 * or garbled file is only a miss (everything is downloaded again), never a failure. Each line states a
 * fact about two contents, true for as long as both versions stand, so two commands saving at once can
 * only lose lines, never make one wrong.
 */
export class RemoteRecordVersions {
  private readonly path: string;
  private readonly known = new Map<string, RecordSync>();

  /** `remote` identifies the store (its URL and endpoint), not the name it has in the config. */
  constructor(root: string, remote: string) {
    this.path = join(stateDirOf(root), CACHE_DIR, REMOTE_RECORDS_DIR, `${sha256Bytes(remote).slice(0, 16)}.tsv`);
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      const [key, version, digest] = line.split('\t');
      if (key && version !== undefined) this.known.set(key, digest ? { version, digest } : { version });
    }
  }

  get(key: string): RecordSync | undefined {
    return this.known.get(key);
  }

  /** The local record holds what the remote's `version` of `key` holds. */
  has(key: string, version: string): boolean {
    return this.known.get(key)?.version === version;
  }

  /** Neither side changed since they last held the same results: the remote's version and the local digest. */
  inSync(key: string, version: string | undefined, digest: string): boolean {
    const known = this.known.get(key);
    return known !== undefined && known.version === version && known.digest === digest;
  }

  /**
   * Saves what the local run-cache now holds: `states` (the ones just merged or written, and those already
   * here). A key left out (the remote no longer lists it) is forgotten.
   */
  save(states: ReadonlyMap<string, RecordSync>): void {
    const lines: string[] = [];
    // A version with a tab or newline in it could not be read back: that record is fetched again next time.
    for (const [key, { version, digest }] of states) if (!/[\t\n]/.test(version)) lines.push(`${key}\t${version}\t${digest ?? ''}\n`);
    writeFileAtomic(this.path, lines.join(''), { durable: false });
  }
}
