import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REMOTE_RECORDS_DIR, stateDirOf } from '../constants.js';
import { errnoCode } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * Which version of each of a remote's run records the local run-cache has merged: a fetch downloads a
 * record only when the remote's listing shows a version not in here. A record's name is not enough:
 * push merges into a record (read, merge, write), so the name stays while what it holds grows.
 *
 * One file per remote (`.lockstep/cache/remote-runs/<id>.tsv`, `key<TAB>version` lines), beside the
 * run-cache it describes: deleting the cache forgets it too. A missing or garbled file is only a
 * miss (everything is downloaded again), never a failure.
 */
export class RemoteRecordVersions {
  private readonly path: string;
  private readonly merged = new Map<string, string>();

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
      const tab = line.indexOf('\t');
      if (tab > 0) this.merged.set(line.slice(0, tab), line.slice(tab + 1));
    }
  }

  has(key: string, version: string): boolean {
    return this.merged.get(key) === version;
  }

  /**
   * Saves what the local run-cache now holds: `versions` (the ones just merged, and those already
   * here). A key the remote no longer lists is forgotten.
   */
  save(versions: ReadonlyMap<string, string>): void {
    const lines: string[] = [];
    // A version with a tab or newline in it could not be read back: that record is fetched again next time.
    for (const [key, version] of versions) if (!/[\t\n]/.test(version)) lines.push(`${key}\t${version}\n`);
    writeFileAtomic(this.path, lines.join(''), { durable: false });
  }
}
