import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRemote, cloneOf, commitAll, remoteKinds } from '../helpers/remotes.js';
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

describe.each(remoteKinds(s3))('run records pulled from a $name remote', (kind) => {
  const run = async (dir: string, args: string[]) => {
    const r = await lockstep(dir, args, kind.env());
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stderr;
  };
  /** The keys under runs/ that the commands since the last call downloaded (s3rver's request log). */
  let seen = 0;
  const recordGets = () => {
    const requests = s3().requests();
    const since = requests.slice(seen);
    seen = requests.length;
    return since.filter((r) => new RegExp(`^GET /${BUCKET}/.*/runs/`).test(r)).length;
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
    expect(await run(a, ['push'])).toMatch(/; [1-9] run records updated/);
    expect(await run(b, ['pull'])).toMatch(/; [1-9] run records merged/);
    expect(localRecords(b)).toEqual([1, 1, 2]);
    if (kind.name === 's3') expect(recordGets()).toBeGreaterThan(0);
    expect(await run(b, ['pull'])).toContain('; 0 run records merged');

    // A local run-cache that lost its records gets them all again, whatever it had merged before.
    rmSync(join(b, '.lockstep/cache/runs'), { recursive: true });
    expect(await run(b, ['fetch'])).toContain('; 3 run records merged');
    expect(localRecords(b)).toEqual([1, 1, 2]);
    rmSync(b, { recursive: true, force: true });
  });
});
