import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../../src/exp/lineage.js';
import { git } from '../helpers/action-run.js';
import { lockstep, read } from '../helpers/workspace.js';
import { expWorkspace } from './helpers.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function ok(dir: string, args: string[]): Promise<string> {
  const r = await lockstep(dir, args);
  expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const tree = async (dir: string, ...args: string[]) => JSON.parse(await ok(dir, ['lineage', ...args, '--json'])) as LineageNode;
const dep = (n: LineageNode, path: string) => n.stage!.deps.find((d) => d.path === path)!;

/** data.csv tracked with `lockstep add`, three stages run and committed. */
async function committed(): Promise<{ dir: string; first: string }> {
  const dir = expWorkspace();
  git(dir, 'rm', '-q', '--cached', 'data.csv');
  await ok(dir, ['add', 'data.csv']);
  await ok(dir, ['repro']);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first run');
  return { dir, first: git(dir, 'rev-parse', 'HEAD') };
}

describe('lineage', () => {
  it('follows a metrics file through three stages down to tracked data and git files', async () => {
    const { dir, first } = await committed();
    const metrics = await tree(dir, 'work/metrics.json');
    expect(metrics).toMatchObject({ path: 'work/metrics.json', source: 'stage', sha256: sha(read(dir, 'work/metrics.json')), matchesWorkspace: true });
    expect(metrics.stage).toMatchObject({ name: 'evaluate', cmd: 'node eval.mjs', env: [], lockCommit: { sha: first, subject: 'first run' } });
    const model = dep(metrics, 'work/model.txt');
    expect(model.stage).toMatchObject({ name: 'train', cmd: 'node train.mjs 1.0 none', params: { 'params.yaml': { 'train.C': 1, 'train.weight': 'none' } } });
    // The metrics recorded with the model: those of the stage that reads it.
    expect(model.stage!.metrics).toEqual({ 'work/metrics.json': { score: 6, loss: 1 / 6, weighted: false } });
    const prepared = dep(model, 'work/prepared.txt');
    expect(prepared.stage!.name).toBe('prepare');
    expect(dep(prepared, 'data.csv')).toMatchObject({ source: 'data', sha256: sha('1\n2\n3\n'), size: 6, matchesWorkspace: true });
    expect(dep(prepared, 'prep.mjs')).toMatchObject({ source: 'git', sha256: sha(read(dir, 'prep.mjs')), commit: { sha: git(dir, 'rev-list', '--max-parents=0', 'HEAD') } });

    const text = await ok(dir, ['lineage', 'work/model.txt']);
    expect(text).toContain('stage: train: node train.mjs 1.0 none');
    expect(text).toContain('params params.yaml: train.C=1 train.weight=none');
    expect(text).toContain('metrics work/metrics.json: score=6');
    expect(text).toMatch(/data\.csv {2}sha256:[0-9a-f]{12} {2}6 B {2}data \(lockstep add\) {2}workspace matches/);
    const md = await ok(dir, ['lineage', 'work/model.txt', '--md']);
    expect(md.split('\n')[0]).toMatch(/^- `work\/model.txt` /);
    expect(md).toContain('\n    - `work/prepared.txt`');

    const notOut = await lockstep(dir, ['lineage', 'prep.mjs']);
    expect(notOut.exitCode).toBe(2);
    expect(notOut.stderr).toContain('prep.mjs is not produced by a stage nor tracked with lockstep add');
  });

  it('answers at a revision, names the commit where each lock entry last changed, and says when the workspace differs', async () => {
    const { dir, first } = await committed();
    writeFileSync(join(dir, 'params.yaml'), read(dir, 'params.yaml').replace('C: 1.0', 'C: 2'));
    await ok(dir, ['repro']);
    git(dir, 'commit', '-qam', 'C=2');
    const second = git(dir, 'rev-parse', 'HEAD');

    const now = await tree(dir, 'work/model.txt');
    expect(now.stage!.lockCommit).toMatchObject({ sha: second, subject: 'C=2' });
    expect(dep(now, 'work/prepared.txt').stage!.lockCommit).toMatchObject({ sha: first });

    const before = await tree(dir, 'work/model.txt', '--rev', 'HEAD~1');
    expect(before.stage!.params).toEqual({ 'params.yaml': { 'train.C': 1, 'train.weight': 'none' } });
    expect(before.stage!.lockCommit).toMatchObject({ sha: first });
    expect(before.stage!.metrics['work/metrics.json']!.score).toBe(6);
    expect(before.matchesWorkspace).toBe(false);
    expect(await ok(dir, ['lineage', 'work/model.txt', '--rev', 'HEAD~1'])).toContain('WORKSPACE DIFFERS');

    writeFileSync(join(dir, 'params.yaml'), read(dir, 'params.yaml').replace('C: 2', 'C: 3'));
    await ok(dir, ['repro']);
    expect((await tree(dir, 'work/model.txt')).stage!.lockCommit).toBe('uncommitted');
  });
});
