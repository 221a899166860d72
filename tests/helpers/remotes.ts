import { execaSync } from 'execa';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Config } from '../../src/pipeline/config.js';
import { resolveRemote } from '../../src/remote/registry.js';
import type { RemoteStorage } from '../../src/remote/types.js';
import { BUCKET, type S3Server } from './s3rver.js';
import { lockstep } from './workspace.js';

/** One kind of remote for the shared suites: how to point a project at a fresh one, and open it directly. */
export interface RemoteKind {
  name: 'directory' | 's3';
  /** A fresh, empty remote: its settings as `remote add` / `remote modify` arguments. */
  fresh(): { url: string; extra: [string, string][] };
  env(): Record<string, string>;
}

let n = 0;

export function remoteKinds(server: () => S3Server): RemoteKind[] {
  return [
    { name: 'directory', fresh: () => ({ url: mkdtempSync(join(tmpdir(), 'lockstep-remote-')), extra: [] }), env: () => ({}) },
    {
      name: 's3',
      fresh: () => ({ url: `s3://${BUCKET}/run-${process.pid}-${++n}/cache`, extra: [['endpoint', server().endpoint]] }),
      env: () => server().env,
    },
  ];
}

/** `lockstep remote add -d store URL` plus its extra keys, in a project. */
export async function addRemote(dir: string, settings: { url: string; extra: [string, string][] }, name = 'store'): Promise<void> {
  const r = await lockstep(dir, ['remote', 'add', '-d', name, settings.url]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  for (const [k, v] of settings.extra) {
    const m = await lockstep(dir, ['remote', 'modify', name, k, v]);
    if (m.exitCode !== 0) throw new Error(m.stderr);
  }
}

/** The remote itself, opened through the registry (for corrupting or checking what is stored). */
export async function openDirect(settings: { url: string; extra: [string, string][] }): Promise<RemoteStorage> {
  const raw: Record<string, unknown> = { url: settings.url, ...Object.fromEntries(settings.extra) };
  const config: Config = { cache: { link: 'copy' }, remotes: { r: raw }, origins: {} };
  return resolveRemote(config, tmpdir(), 'r')!.open();
}

export function commitAll(dir: string, message = 'results'): void {
  execaSync('git', ['add', '-A'], { cwd: dir });
  execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', message, '--allow-empty'], { cwd: dir });
}

export function cloneOf(dir: string): string {
  const clone = mkdtempSync(join(tmpdir(), 'lockstep-clone-'));
  execaSync('git', ['clone', '-q', dir, clone]);
  return clone;
}

/** Every object on the remote whose bytes do not hash to its name (empty when all verify). */
export async function badRemoteObjects(settings: { url: string; extra: [string, string][] }): Promise<{ checked: number; bad: string[] }> {
  const remote = await openDirect(settings);
  const scratch = mkdtempSync(join(tmpdir(), 'lockstep-verify-'));
  const bad: string[] = [];
  let checked = 0;
  try {
    for await (const { key } of remote.list('files/sha256/')) {
      checked++;
      const got = await remote.get(key, join(scratch, String(checked)));
      if (got?.sha256 !== key.split('/').slice(-2).join('')) bad.push(key);
    }
  } finally {
    remote.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return { checked, bad };
}
