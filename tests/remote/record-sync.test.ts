import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRemote, cloneOf, commitAll, openDirect, remoteKinds } from '../helpers/remotes.js';
import { BUCKET, useS3rver } from '../helpers/s3rver.js';
import { lockstep, stage, workspace, writeTree } from '../helpers/workspace.js';

const PIPELINE = `stages:
  prepare:
    cmd: ${stage('prepare', 'copy:raw.csv=clean.csv')}
    deps: [raw.csv]
    outs: [clean.csv]
  train:
    cmd: node train.cjs \${train.C}
    deps: [clean.csv, train.cjs]
    params: [train.C]
    outs: [model.txt]
`;

/** A model that differs on every run (an unseeded RNG): a rerun adds a second result to the same record. */
const TRAIN = `require('fs').writeFileSync('model.txt', 'C=' + process.argv[2] + ' ' + Math.random());\n`;

const project = () =>
  workspace({ 'raw.csv': 'a\n1\n', 'params.yaml': 'train:\n  C: 1\n', 'pipeline.yaml': PIPELINE, 'train.cjs': TRAIN, '.gitignore': '/clean.csv\n/model.txt\n' }, { git: true });

/** Results per local run record. */
function localRecords(dir: string): number[] {
  const runs = join(dir, '.lockstep/cache/runs');
  return readdirSync(runs, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .map((f) => (JSON.parse(readFileSync(join(runs, f), 'utf8')) as { results: unknown[] }).results.length)
    .sort();
}

const s3 = useS3rver();

describe.each(remoteKinds(s3))('run records synced with a $name remote', (kind) => {
  const run = async (dir: string, args: string[]) => {
    const r = await lockstep(dir, args, kind.env());
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stderr;
  };
  /** Record GETs and PUTs since the last call (s3rver's request log). */
  let seen = 0;
  const recordTraffic = () => {
    const requests = s3().requests();
    const since = requests.slice(seen);
    seen = requests.length;
    const count = (method: string) => since.filter((r) => new RegExp(`^${method} /${BUCKET}/.*/runs/`).test(r)).length;
    return { gets: count('GET'), puts: count('PUT') };
  };
  /** The keys under runs/ that the commands since the last call downloaded. */
  const recordGets = () => recordTraffic().gets;
  /** Every record on the remote with its listed version: unchanged when nothing was written. */
  const remoteVersions = async (settings: { url: string; extra: [string, string][] }) => {
    const remote = await openDirect(settings);
    const found = new Map<string, string>();
    for await (const { key, version } of remote.list('runs/')) found.set(key, version);
    remote.close();
    return found;
  };

  it('only new or rewritten records are downloaded: a pull with nothing new lists and downloads none', async () => {
    const a = project();
    await addRemote(a, kind.fresh());
    await run(a, ['repro']);
    writeTree(a, { 'params.yaml': 'train:\n  C: 2\n' });
    await run(a, ['repro']);
    commitAll(a);
    await run(a, ['push']);

    const b = cloneOf(a);
    recordGets();
    expect(await run(b, ['pull'])).toContain('; 3 run records merged');
    if (kind.name === 's3') expect(recordGets()).toBe(3);
    expect(localRecords(b)).toEqual([1, 1, 1]);

    // Nothing new: the listing, and no record download (fetch shares the path).
    expect(await run(b, ['pull'])).toContain('; 0 run records merged');
    expect(await run(b, ['fetch'])).toContain('; 0 run records merged');
    if (kind.name === 's3') {
      expect(recordGets()).toBe(0);
      expect(s3().requests().slice(-3).some((r) => /^GET \/[^?]*\?.*list-type=2.*prefix=[^&]*runs/.test(r))).toBe(true);
    }

    // The same run key with another result: push rewrites that record under its name; it comes again.
    await run(a, ['repro', '--force', 'train']);
    expect(await run(a, ['push'])).toMatch(/; (1 run record|[2-9] run records) updated/);
    expect(await run(b, ['pull'])).toMatch(/; (1 run record|[2-9] run records) merged/);
    expect(localRecords(b)).toEqual([1, 1, 2]);
    if (kind.name === 's3') expect(recordGets()).toBeGreaterThan(0);
    expect(await run(b, ['pull'])).toContain('; 0 run records merged');

    // A local run-cache that lost its records gets them all again, whatever it had merged before.
    rmSync(join(b, '.lockstep/cache/runs'), { recursive: true });
    expect(await run(b, ['fetch'])).toContain('; 3 run records merged');
    expect(localRecords(b)).toEqual([1, 1, 2]);
    rmSync(b, { recursive: true, force: true });
  });

  it('a push with nothing new lists the records and moves none; new results on either side are merged, none lost', async () => {
    const remote = kind.fresh();
    const a = project();
    await addRemote(a, remote);
    await run(a, ['repro']);
    writeTree(a, { 'params.yaml': 'train:\n  C: 2\n' });
    await run(a, ['repro']);
    commitAll(a);
    recordTraffic();
    expect(await run(a, ['push'])).toContain('; 3 run records updated');
    // New on the remote: uploaded without asking for them first.
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 3 });
    const pushed = await remoteVersions(remote);

    // Nothing new on either side: no record downloaded, none uploaded.
    expect(await run(a, ['push'])).toContain('; 0 run records updated');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 0 });
    expect(await remoteVersions(remote)).toEqual(pushed);
    // Push remembered the versions it wrote: a fetch right after downloads none of them.
    expect(await run(a, ['fetch'])).toContain('; 0 run records merged');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 0 });

    // A teammate adds a result to the C=2 record, and so does a, at the same time (--single-item: a forced
    // prepare would rewrite its record too, the same result with a new date).
    const b = cloneOf(a);
    expect(await run(b, ['pull'])).toContain('; 3 run records merged');
    await run(b, ['repro', '--force', '--single-item', 'train']);
    expect(await run(b, ['push'])).toContain('; 1 run record updated');
    await run(a, ['repro', '--force', '--single-item', 'train']);
    recordTraffic();
    // a reads only the record both changed and uploads the merge: the teammate's result stays.
    expect(await run(a, ['push'])).toContain('; 1 run record updated');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 1, puts: 1 });
    // What push downloaded is in a's run-cache now, and the version it wrote is known: nothing to fetch.
    expect(localRecords(a)).toEqual([1, 1, 3]);
    expect(await run(a, ['fetch'])).toContain('; 0 run records merged');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 0 });

    // b fetches the merge, and then has nothing to push: a listing, nothing moved.
    expect(await run(b, ['pull'])).toContain('; 1 run record merged');
    expect(localRecords(b)).toEqual([1, 1, 3]);
    recordTraffic();
    expect(await run(b, ['push'])).toContain('; 0 run records updated');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 0 });

    // Another writer rewrites a record with the same results in other bytes (a new version): a downloads
    // it once and has nothing to add; then it is known again.
    const direct = await openDirect(remote);
    const [key] = [...(await remoteVersions(remote)).keys()];
    const copy = join(b, 'record-copy.json');
    await direct.get(key!, copy);
    await direct.put(key!, Buffer.from(JSON.stringify(JSON.parse(readFileSync(copy, 'utf8')), null, 2)));
    direct.close();
    recordTraffic();
    expect(await run(a, ['push'])).toContain('; 0 run records updated');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 1, puts: 0 });
    expect(await run(a, ['push'])).toContain('; 0 run records updated');
    if (kind.name === 's3') expect(recordTraffic()).toEqual({ gets: 0, puts: 0 });
    rmSync(b, { recursive: true, force: true });
  });

  // A directory remote has no request log: a record read shows in its access time (the disk is mounted
  // relatime: a read after the last write updates it), which the test sets back to check.
  it.skipIf(kind.name !== 'directory')('a push with nothing new reads no record file of a directory remote', async () => {
    const remote = kind.fresh();
    const a = project();
    await addRemote(a, remote);
    await run(a, ['repro']);
    commitAll(a);
    await run(a, ['push']);
    const files = readdirSync(join(remote.url, 'runs'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(remote.url, 'runs', f));
    expect(files.length).toBe(2);
    // Whole seconds, so the times set back below are exact and the listed versions stay as push saw them.
    const written = Math.floor(Date.now() / 1000);
    const setBack = () => files.forEach((f) => utimesSync(f, written - 60, written));
    setBack();
    const unread = () => files.filter((f) => statSync(f).atimeMs === (written - 60) * 1000).length;
    // The versions changed (new mtime): push reads each once, has nothing to add.
    expect(await run(a, ['push'])).toContain('; 0 run records updated');
    expect(unread()).toBe(0);
    setBack();
    expect(await run(a, ['push'])).toContain('; 0 run records updated');
    expect(unread()).toBe(2);
    // The probe can tell: a clone that has none of them reads every one.
    const c = cloneOf(a);
    expect(await run(c, ['fetch'])).toContain('; 2 run records merged');
    expect(unread()).toBe(0);
    rmSync(c, { recursive: true, force: true });
  });
});
