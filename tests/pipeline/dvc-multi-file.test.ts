import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusCase } from '../helpers/dvc-corpus.js';
import { lockstep, read, stage, workspace } from '../helpers/workspace.js';

describe('several pipeline files as one graph (-R, a directory, or file targets)', () => {
  it('runs across files, keeps one lock per file with keys relative to its folder, and selects by file targets', async () => {
    const { dir } = corpusCase('multi-file');
    const r = await lockstep(dir, ['repro', '-R']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'pipelines/report/report.txt')).toBe('id\n1\nbaseline\n');
    expect(read(dir, 'dvc.lockstep.lock')).toMatch(/prepare:[\s\S]*train:/);
    const trainLock = read(dir, 'pipelines/train/dvc.lockstep.lock');
    expect(trainLock).toContain('  train:\n');
    expect(trainLock).toContain('path: ../../data/clean.csv');
    expect(trainLock).toContain('path: model.txt');
    expect(read(dir, 'pipelines/report/pipeline.lock')).toContain('path: ../train/model.txt');
    expect(existsSync(join(dir, '.lockstep'))).toBe(true);

    expect((await lockstep(dir, ['status', '-R'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
    // The same locks read by one file alone: its keys are its own.
    expect((await lockstep(dir, ['-f', 'pipelines/train/dvc.yaml', 'status'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');

    // A directory loads only the files under it: prepare (in the root file) is not part of the graph, and
    // the train stages no longer clash, so the name is not qualified.
    writeFileSync(join(dir, 'data/clean.csv'), 'id\n2\n');
    const status = await lockstep(dir, ['status', 'pipelines']);
    expect(status.stdout).toContain('train: will run\n    dep modified: data/clean.csv');
    expect(status.stdout).toContain('report: will run');
    expect(status.stdout).not.toContain('prepare');

    const one = await lockstep(dir, ['repro', 'pipelines/train/dvc.yaml:train', '--single-item']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(read(dir, 'pipelines/train/model.txt')).toBe('id\n2\nbaseline\n');

    // A file target works on the whole repository's graph: its upstream stages in other files run too.
    writeFileSync(join(dir, 'raw.csv'), 'id\n3\n');
    const file = await lockstep(dir, ['repro', 'pipelines/report/pipeline.yaml']);
    expect(file.exitCode, file.stderr).toBe(0);
    expect(read(dir, 'pipelines/report/report.txt')).toBe('id\n3\nbaseline\n');
    expect((await lockstep(dir, ['status', '-R'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
  });

  it('an unknown file:stage target lists the stages', async () => {
    const { dir } = corpusCase('multi-file');
    const r = await lockstep(dir, ['dag', 'pipelines/train/dvc.yaml:nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown stage 'pipelines/train/dvc.yaml:nope'");
    expect(r.stderr).toContain('stages are: prepare, dvc.yaml:train, report, pipelines/train/dvc.yaml:train');
  });

  it('a stage named like a folder is the stage (as in DVC); ./folder is the folder', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  reference:\n    cmd: ${stage('reference', 'copy:in.txt=reference/profile.txt')}\n    deps: [in.txt]\n    outs: [reference/profile.txt]\n`,
      'in.txt': 'x',
      'reference/keep.txt': 'a folder with the stage\'s name',
    });
    const r = await lockstep(dir, ['repro', 'reference']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'reference/profile.txt')).toBe('x');
    const folder = await lockstep(dir, ['status', './reference']);
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toContain('no pipeline files');
  });

  it('init --example in an empty subfolder writes the example there, not into the pipeline above it', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages: {}\n', 'services/a/.keep': '' }, { git: true });
    const r = await lockstep(join(dir, 'services/a'), ['init', '--example']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'services/a/pipeline.yaml'))).toBe(true);
    expect(read(dir, 'pipeline.yaml')).toBe('stages: {}\n');
    // --file names the file to write, in a folder that may not exist yet.
    const named = await lockstep(dir, ['--file', 'ml/train.yaml', 'init', '--example']);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(existsSync(join(dir, 'ml/train.yaml'))).toBe(true);
    expect(named.stderr).toContain('lockstep -f ml/train.yaml repro');
    expect((await lockstep(dir, ['-f', 'ml/train.yaml', 'repro'])).exitCode).toBe(0);
    const params = await lockstep(dir, ['--file', 'other/params.yaml', 'init', '--example']);
    expect(params.exitCode).toBe(2);
    expect(params.stderr).toContain("the example's params file has that name");
  });
});
