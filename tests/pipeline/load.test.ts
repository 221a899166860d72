import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

describe('pipeline.yaml validation', () => {
  it('reports every problem at once with file:line:col and the path, exits 2 and runs nothing', async () => {
    const dir = workspace({
      'raw.csv': 'x',
      'pipeline.yaml': `stages:
  prepare:
    cmd: ${stage('prepare', 'write:o=1')}
    dpes: [x]
    deps: [raw.csv, 3]
    outs:
      - o: {cache: maybe}
  bad name:
    cmd: [x]
  ok:
    cmd: []
`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: pipeline.yaml is invalid (5 problems):');
    expect(r.stderr).toContain('pipeline.yaml:4:5 stages.prepare.dpes: unknown key');
    expect(r.stderr).toContain('pipeline.yaml:5:21 stages.prepare.deps[1]: Invalid input: expected string, received number');
    expect(r.stderr).toContain('pipeline.yaml:7:13 stages.prepare.outs[0].o.cache: Invalid input: expected boolean');
    expect(r.stderr).toContain('pipeline.yaml:8:3 stages.bad name: stage names use letters, digits, - and _');
    expect(r.stderr).toContain('pipeline.yaml:11:5 stages.ok.cmd: must list at least one command');
    expect(r.stderr).toContain('hint: ');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(ranStages(dir)).toEqual([]);
  });

  it('still reports positions after a valid version of the file was memoized', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    writeTree(dir, { 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n    frozen: maybe\n` });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:5:5 stages.s.frozen: Invalid input: expected boolean');
  });

  it('reports YAML syntax errors with their position', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages:\n  a:\n    cmd: echo {"a": 1}\n' });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:3:\d+ /);
  });

  it('names the params file and key when a listed param is missing', async () => {
    const dir = workspace({
      'params.yaml': 'train: {C: 1}\n',
      'pipeline.yaml': `stages:\n  train:\n    cmd: ${stage('train', 'write:o=1')}\n    params: [train.gamma]\n    outs: [o]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:4:14 param train.gamma (stage train) is not defined in params.yaml');
    expect(ranStages(dir)).toEqual([]);
  });

  it('reads other params files, JSON ones and whole files', async () => {
    const dir = workspace({
      'conf/model.json': '{"layers": {"n": 3}, "lr": 0.1}',
      'other.yaml': 'a: 1\nb: {c: 2}\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    params:\n      - conf/model.json: [layers]\n      - other.yaml:\n    outs: [o]\n`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    const lock = read(dir, 'pipeline.lock');
    expect(lock).toContain('conf/model.json: {layers.n: 3}');
    expect(lock).toContain('other.yaml: {a: 1, b.c: 2}');
  });

  it('interpolates ${} params into cmd, shell-quoted so a value is one argument', async () => {
    const dir = workspace({
      'params.yaml': 'danger: "x; touch pwned"\nn: 3\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: node -e "require('fs').writeFileSync('args.json', JSON.stringify(process.argv.slice(1)))" \${danger} \${n}\n    outs: [args.json]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, 'args.json'))).toEqual(['x; touch pwned', '3']);
    expect(read(dir, 'pipeline.lock')).toContain(`'x; touch pwned' 3`);
  });

  it('an undefined ${} key is a config error at its position', async () => {
    const dir = workspace({ 'params.yaml': 'a: 1\n', 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo ${b.c}\n' });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:3:5 stages.s.cmd: ${b.c} is not defined (params.yaml, vars, or the foreach/matrix item)');
  });

  it('-f selects another pipeline file; its lock is named after it', async () => {
    const dir = workspace({ 'other.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    outs: [o]\n` });
    const r = await lockstep(dir, ['-f', 'other.yaml', 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'other.lock')).toContain('stages:');
  });

  it('runs a DVC dvc.yaml unchanged (plots, out remote/push flags, top-level plots) with its own lock name', async () => {
    const dir = workspace({
      'in.csv': 'x\n1\n',
      'dvc.yaml': `stages:
  train:
    cmd: ${stage('train', 'write:model.pkl=m', 'write:loss.csv=step,loss', 'write:scores.json={"auc": 0.9}')}
    deps: [in.csv]
    outs:
      - model.pkl: {remote: s3store, push: true}
    metrics:
      - scores.json: {cache: false}
    plots:
      - loss.csv: {x: step, y: loss, cache: false}
plots:
  - loss.csv: {x: step, y: loss}
`,
    });
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'dvc.lockstep.lock')).toContain('path: loss.csv');
    expect(existsSync(join(dir, 'dvc.lock'))).toBe(false);
  });

  it('a missing pipeline file is a clear usage error', async () => {
    const dir = workspace({});
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: ');
    expect(r.stderr).toContain('hint: ');
  });
});

describe('graph rules', () => {
  it('rejects cycles (printing the chain), duplicate and overlapping outs and outs outside the repository, all at once', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  a:
    cmd: echo
    deps: [b.out]
    outs: [a.out]
  b:
    cmd: echo
    deps: [a.out]
    outs: [b.out, ../escape, /abs/path]
  c:
    cmd: echo
    outs: [a.out, data]
  d:
    cmd: echo
    outs: [data/inner]
`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('stage b: out ../escape is outside the repository');
    expect(r.stderr).toContain('stage b: out /abs/path is outside the repository');
    expect(r.stderr).toContain('stages a and c both produce a.out');
    expect(r.stderr).toContain('stages c and d have overlapping outs data and data/inner');
    expect(r.stderr).toContain('the stages form a cycle: a -> b -> a');
  });

  it('a dep that does not exist and that no stage produces stops everything before it runs', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  a:\n    cmd: ${stage('a', 'write:a.out=1')}\n    outs: [a.out]\n  b:\n    cmd: ${stage('b', 'write:b.out=1')}\n    deps: [nothing.csv, a.out]\n    outs: [b.out]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:7:12 stage b: dep nothing.csv does not exist and no stage produces it');
    expect(ranStages(dir)).toEqual([]);
  });

  it('a dep inside an out directory, or a directory containing an out, makes an edge', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  make:
    cmd: ${stage('make', 'write:data/x/part.csv=1')}
    outs: [data/x]
  inside:
    cmd: ${stage('inside', 'write:i=1')}
    deps: [data/x/part.csv]
    outs: [i]
  around:
    cmd: ${stage('around', 'write:o=1')}
    deps: [data]
    outs: [o]
`,
    });
    const r = await lockstep(dir, ['dag', '--json']);
    expect(JSON.parse(r.stdout).edges).toEqual([
      { from: 'make', to: 'around' },
      { from: 'make', to: 'inside' },
    ]);
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['make', 'around', 'inside']);
  });
});
