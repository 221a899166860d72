import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, errnoCode } from '../errors.js';
import { shellQuote } from '../pipeline/interpolate.js';
import { tempSibling } from '../util/atomic-write.js';
import { streamToFile } from './stream-to-file.js';
import type { ListedKey, RemoteStorage } from './types.js';

export interface LocalRemoteOptions {
  /** Absolute path of the remote directory. */
  dir: string;
  url: string;
  jobs?: number;
}

/** A temp file a day old belongs to no live writer (even a huge upload to a slow share is done by then). */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

/** Concurrent copies to one disk stop helping early; NFS likes a few more than a local disk. */
const DEFAULT_JOBS = 8;

/** A file's version: every write renames a new file into place, so a new inode whatever its size and mtime. */
const versionOf = (st: Stats) => `${st.ino}-${st.size}-${st.mtimeMs}`;

/**
 * Opens the directory remote `name`, which must already exist. Creating it on demand (as DVC does) would
 * turn an unmounted share into a local folder that push "fills" and pull finds empty: both would look
 * like success. Folders inside it are still created as needed.
 */
export async function openLocalRemote(name: string, opts: LocalRemoteOptions): Promise<LocalRemote> {
  const isDir = await stat(opts.dir).then(
    (st) => st.isDirectory(),
    (err: unknown) => {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    },
  );
  if (!isDir) {
    throw new ConfigError(`remote '${name}' (${opts.url}): ${isDir === undefined ? 'directory does not exist' : 'is not a directory'}: ${opts.dir}`, {
      hint: `create it (mkdir -p ${shellQuote(opts.dir)}), or mount the share it is on`,
    });
  }
  return new LocalRemote(opts);
}

/**
 * A remote in a directory (NFS, a mounted drive). Every write goes to a temp sibling and is renamed into
 * place, so two writers at once each publish a whole file and a killed one leaves only a dot-temp file.
 */
export class LocalRemote implements RemoteStorage {
  readonly url: string;
  readonly jobs: number;
  private readonly dir: string;

  constructor(opts: LocalRemoteOptions) {
    this.dir = opts.dir;
    this.url = opts.url;
    this.jobs = opts.jobs ?? DEFAULT_JOBS;
  }

  private readonly swept = new Set<string>();

  /**
   * Temp files a killed writer left in `dir` (once per folder and process). Only by age: on a shared
   * drive the writer may be another machine's process, alive, whose pid means nothing here.
   */
  private async sweep(dir: string): Promise<void> {
    if (this.swept.has(dir)) return;
    this.swept.add(dir);
    const now = Date.now();
    for (const name of await readdir(dir)) {
      if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && now - st.mtimeMs > STALE_TEMP_MS) await rm(join(dir, name), { force: true });
    }
  }

  private pathOf(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  async hasMany(keys: readonly string[], sizes?: ReadonlyMap<string, number>): Promise<Set<string>> {
    const present = new Set<string>();
    await Promise.all(
      keys.map(async (key) => {
        try {
          const { size } = await stat(this.pathOf(key));
          const expected = sizes?.get(key);
          if (expected === undefined || expected === size) present.add(key);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }),
    );
    return present;
  }

  async put(key: string, source: string | Buffer): Promise<string> {
    const final = this.pathOf(key);
    await mkdir(dirname(final), { recursive: true });
    await this.sweep(dirname(final));
    const tmp = tempSibling(final);
    try {
      if (typeof source === 'string') await copyFile(source, tmp);
      else await writeFile(tmp, source, { flag: 'wx' });
      // Before the rename, not after: a writer renaming over it a moment later must not lend us its version.
      const version = versionOf(await stat(tmp));
      await rename(tmp, final);
      return version;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string, dest: string): Promise<{ sha256: string; size: number } | undefined> {
    const stream = createReadStream(this.pathOf(key));
    try {
      return await streamToFile(stream, dest);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && stream.bytesRead === 0) {
        await rm(dest, { force: true });
        return undefined;
      }
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ListedKey> {
    const base = this.pathOf(prefix.replace(/\/$/, ''));
    let names: string[];
    try {
      names = (await readdir(base, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => join(d.parentPath, d.name));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    const root = `${this.dir}/`;
    const versions = await Promise.all(
      names.map((abs) =>
        stat(abs).then(
          (st) => versionOf(st),
          (err: unknown) => {
            if (errnoCode(err) === 'ENOENT') return undefined;
            throw err;
          },
        ),
      ),
    );
    for (const [i, abs] of names.entries()) {
      const version = versions[i];
      if (version !== undefined) yield { key: abs.slice(root.length).split('\\').join('/'), version };
    }
  }

  close(): void {}
}
