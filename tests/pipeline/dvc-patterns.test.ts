import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusCase } from '../helpers/dvc-corpus.js';
import { lockstep, read, workspace } from '../helpers/workspace.js';

describe('dvc.yaml patterns run end to end', () => {
  it('a pipeline in a subfolder with wdir: .. and ../ outs runs; lock keys stay relative to its folder', async () => {
    const { dir } = corpusCase('subdir-wdir');
    const f = ['-f', 'pipelines/dvc.yaml'];
    const r = await lockstep(dir, [...f, 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'site/_data/x.csv')).toBe('id,v\n1,2\n');
    const lock = read(dir, 'pipelines/dvc.lockstep.lock');
    expect(lock).toContain('path: ../data/prepped/x.csv');
    expect(lock).toContain('path: ../site/_data');
    expect(lock).toContain('path: ../data/raw.csv');
    expect((await lockstep(dir, [...f, 'status'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');

    rmSync(join(dir, 'site'), { recursive: true });
    expect((await lockstep(dir, [...f, 'checkout'])).exitCode).toBe(0);
    expect(read(dir, 'site/_data/x.csv')).toBe('id,v\n1,2\n');

    writeFileSync(join(dir, 'data/raw.csv'), 'id,v\n1,3\n');
    expect((await lockstep(dir, [...f, 'repro'])).exitCode).toBe(0);
    expect(read(dir, 'site/_data/x.csv')).toBe('id,v\n1,3\n');
  });

  it('metrics above a subfolder pipeline are read at other revisions too', async () => {
    const dir = workspace({ 'pipelines/dvc.yaml': 'metrics: [../eval/metrics.json]\n', 'eval/metrics.json': '{"acc": 0.5}' }, { git: true });
    writeFileSync(join(dir, 'eval/metrics.json'), '{"acc": 0.75}');
    const r = await lockstep(dir, ['-f', 'pipelines/dvc.yaml', 'metrics', 'diff', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"old": 0\.5,\s*"new": 0\.75/);
  });

  it('only paths leaving the repository are refused', async () => {
    const dir = workspace(
      { 'pipelines/dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    wdir: ../..\n    deps: [../x]\n    outs: [../../../y]\n' },
      { git: true },
    );
    const r = await lockstep(dir, ['-f', 'pipelines/dvc.yaml', 'dag']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'dvc.yaml:2:3 stage a: wdir ../.. is outside the repository\n' +
        '  dvc.yaml:5:12 stage a: dep ../../../x is outside the repository\n' +
        '  dvc.yaml:6:12 stage a: out ../../../../../y is outside the repository',
    );
    expect(r.stderr).toContain('hint: fix the outs or deps named above');

    writeFileSync(join(dir, 'pipelines/dvc.yaml'), 'stages:\n  a:\n    cmd: echo\n    outs: [../.git/hooks/post-commit]\n');
    const git = await lockstep(dir, ['-f', 'pipelines/dvc.yaml', 'repro']);
    expect(git.exitCode).toBe(2);
    expect(git.stderr).toContain('stage a: out ../.git/hooks/post-commit is inside .git');
  });

  it('a file with only metrics/plots/params has no stages; metrics show reads its metrics; an empty file says so', async () => {
    const { dir } = corpusCase('dvclive-only');
    const dag = await lockstep(dir, ['-f', 'dvc.yaml', 'dag']);
    expect(dag.exitCode, dag.stderr).toBe(0);
    expect(dag.stdout).toBe('');
    const show = await lockstep(dir, ['-f', 'dvc.yaml', 'metrics', 'show', '--json']);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toContain('"acc": 0.91');

    writeFileSync(join(dir, 'dvc.yaml'), '# nothing yet\n');
    const empty = await lockstep(dir, ['-f', 'dvc.yaml', 'status']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('dvc.yaml has no stages');
  });

  it('a mapping in cmd becomes --key value flags, each value quoted; null prints None', async () => {
    const { dir } = corpusCase('dict-in-cmd');
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'args.txt')).toBe('--epochs 10 --optimizer.name adam --optimizer.lr 0.01 --augment --layers 64 32 --tag my run --note None\n');
    expect(read(dir, 'dvc.lockstep.lock')).toContain(
      "cmd: echo --epochs 10 --optimizer.name adam --optimizer.lr 0.01 --augment --layers 64 32 --tag 'my run' --note None > args.txt",
    );
    expect(read(dir, 'label.txt')).toBe('note=None\n');

    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  t:\n    cmd: echo "${train}"\n');
    const quoted = await lockstep(dir, ['-f', 'dvc.yaml', 'dag']);
    expect(quoted.exitCode).toBe(2);
    expect(quoted.stderr).toContain('stages.t.cmd: ${train} is a mapping, which expands to several --key value flags: place it outside quotes');
  });

  it('annotation keys on outs, metrics and plots are accepted and never rerun a stage; an unknown key is still an error', async () => {
    const { dir } = corpusCase('annotations');
    expect((await lockstep(dir, ['-f', 'dvc.yaml', 'repro'])).exitCode).toBe(0);
    writeFileSync(join(dir, 'dvc.yaml'), read(dir, 'dvc.yaml').replace('the trained model', 'the best model').replace('[sklearn, baseline]', '[sklearn]'));
    expect((await lockstep(dir, ['-f', 'dvc.yaml', 'status'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
    writeFileSync(join(dir, 'dvc.yaml'), read(dir, 'dvc.yaml').replace('checkpoint: true', 'colour: blue'));
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/dvc\.yaml:\d+:\d+ stages\.train\.outs\[0\]\.model\.pkl\.colour: unknown key/);
  });

  it('matrix stages see ${key} (the name suffix) and ${item.<name>}', async () => {
    const { dir } = corpusCase('matrix-values');
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro', 'train@dataset1-model1', 'tune@0.5']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('large dataset1-model1');
    expect(read(dir, 'dvc.lockstep.lock')).toContain('cmd: echo 0.5');
  });

  it('merge keys work in params and pipeline files; a key in both params.yaml and a vars file names both', async () => {
    const { dir } = corpusCase('merge-keys');
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'train.txt')).toBe('0.1 10\n');
    expect(read(dir, 'dvc.lockstep.lock')).toMatch(/train\.epochs: 10, train\.lr: 0\.1/);

    // params.yaml listed again (whole or some keys) is not a conflict with itself.
    writeFileSync(join(dir, 'dvc.yaml'), `vars: [params.yaml, 'params.yaml:train']\n${read(dir, 'dvc.yaml')}`);
    expect((await lockstep(dir, ['-f', 'dvc.yaml', 'status'])).exitCode).toBe(0);

    writeFileSync(join(dir, 'more.yaml'), 'train:\n  lr: 0.5\n');
    writeFileSync(join(dir, 'dvc.yaml'), read(dir, 'dvc.yaml').replace("vars: [params.yaml, 'params.yaml:train']", 'vars: [more.yaml]'));
    const clash = await lockstep(dir, ['-f', 'dvc.yaml', 'status']);
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain("vars[0]: cannot redefine 'train.lr' from more.yaml: it is already defined in params.yaml");
    expect(clash.stderr).toContain('hint: fix dvc.yaml');
  });

  it('a vars key named __proto__ is data: it defines nothing else', async () => {
    const dir = workspace({
      'v.json': '{"__proto__": {"polluted": "yes"}, "a": 1}',
      'dvc.yaml': 'vars: [v.json]\nstages:\n  s:\n    cmd: echo ${a} ${polluted}\n',
    });
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'dag']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('stages.s.cmd: ${polluted} is not defined');
  });

  it('listings keep the file order; execution keeps the dependency order', async () => {
    const dir = workspace({
      'dvc.yaml': 'stages:\n  zeta:\n    cmd: cat a.out > z.out && echo zeta >> order.log\n    deps: [a.out]\n    outs: [z.out]\n  alpha:\n    cmd: echo a > a.out && echo alpha >> order.log\n    outs: [a.out]\n',
    });
    const dag = JSON.parse((await lockstep(dir, ['-f', 'dvc.yaml', 'dag', '--json'])).stdout) as { stages: string[] };
    expect(dag.stages).toEqual(['zeta', 'alpha']);
    const status = await lockstep(dir, ['-f', 'dvc.yaml', 'status', '--json']);
    expect((JSON.parse(status.stdout) as { stages: { name: string }[] }).stages.map((s) => s.name)).toEqual(['zeta', 'alpha']);
    expect((await lockstep(dir, ['-f', 'dvc.yaml', 'repro'])).exitCode).toBe(0);
    expect(read(dir, 'order.log')).toBe('alpha\nzeta\n');
  });

  it('a template problem is reported once, under the first generated name, and sorted by line', async () => {
    const dir = workspace({
      'dvc.yaml': 'stages:\n  a:\n    foreach: [x, y, z]\n    do:\n      cmd: echo ${nope}\n  b:\n    cmd: echo ${missing}\n    dpes: []\n',
    });
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'dag']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('dvc.yaml is invalid (1 problem)');
    expect(r.stderr).toContain('dvc.yaml:8:5 stages.b.dpes: unknown key');
    const fixed = workspace({ 'dvc.yaml': 'stages:\n  b:\n    cmd: echo ${missing}\n  a:\n    foreach: [x, y, z]\n    do:\n      cmd: echo ${nope}\n' });
    const r2 = await lockstep(fixed, ['-f', 'dvc.yaml', 'dag']);
    expect(r2.stderr).toContain('dvc.yaml is invalid (2 problems):\n  dvc.yaml:3:5 stages.b.cmd: ${missing} is not defined');
    expect(r2.stderr).toContain('\n  dvc.yaml:7:7 stages.a@x.cmd: ${nope} is not defined');
    expect(r2.stderr.match(/\$\{nope\}/g)).toHaveLength(1);
    expect(r2.stderr).toContain('hint: fix dvc.yaml; nothing was run');
  });
});

describe('external dependencies', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A loopback server answering HEAD with the ETag held in `state`. */
  async function serve(state: { etag?: string }): Promise<string> {
    server = createServer((req, res) => {
      if (state.etag) res.setHeader('ETag', state.etag);
      res.setHeader('Content-Length', '12');
      res.end(req.method === 'HEAD' ? undefined : 'id,v\n1,2\n...');
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/raw.csv`;
  }

  it('an https:// (here http) dep is fingerprinted by its ETag and kept verbatim', async () => {
    const state: { etag?: string } = { etag: '"v1"' };
    const url = await serve(state);
    const dir = workspace({ 'dvc.yaml': `stages:\n  download:\n    cmd: echo fetched > raw.csv\n    deps: ['${url}']\n    outs: [raw.csv]\n` });
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'dvc.lockstep.lock')).toContain(`path: ${url}`);
    expect((await lockstep(dir, ['-f', 'dvc.yaml', 'status'])).stdout).toBe('Pipeline is up to date. Nothing to reproduce.');
    state.etag = '"v2"';
    const changed = await lockstep(dir, ['-f', 'dvc.yaml', 'status']);
    expect(changed.stdout).toContain('download: will run');
    expect(changed.stdout).toContain(url);
    state.etag = undefined;
    const noEtag = await lockstep(dir, ['-f', 'dvc.yaml', 'status']);
    expect(noEtag.exitCode).toBe(1);
    expect(noEtag.stderr).toContain(`external dependency ${url}: the server sends no ETag`);
  });

  it('an s3:// dep is kept verbatim; one that cannot be read stops the command before anything runs; an external out is refused', async () => {
    const { dir } = corpusCase('external-deps');
    // Only the deps of the stages a command works on are fingerprinted.
    writeFileSync(join(dir, 'raw.csv'), 'local\n');
    const other = await lockstep(dir, ['-f', 'dvc.yaml', 'repro', '--dry', '--single-item', 'prepare']);
    expect(other.exitCode, other.stderr).toBe(0);
    expect(other.stdout).toContain('prepare: would run');
    rmSync(join(dir, 'raw.csv'));
    // The bucket's settings come from an s3 remote on it: here an endpoint nobody listens on.
    writeFileSync(join(dir, '.lockstep/config.yaml'), 'remotes:\n  store: {url: s3://my-bucket/cache, endpoint: "http://127.0.0.1:9"}\n');
    const r = await lockstep(dir, ['-f', 'dvc.yaml', 'repro', 'prepare'], { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(r.exitCode).toBe(1);
    // Either dep may be asked first: the https one cannot be reached here either (no network).
    expect(r.stderr).toMatch(/error: external dependency (s3:\/\/my-bucket\/path\/to\/labels\.csv cannot be read|https:\/\/example\.com\/data\/raw\.csv cannot be reached)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'raw.csv'))).toBe(false);

    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  upload:\n    cmd: echo\n    outs: [s3://bucket/model.pkl]\n');
    const out = await lockstep(dir, ['-f', 'dvc.yaml', 'repro']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('external outputs are not supported yet:\n  stage upload: out s3://bucket/model.pkl');
  });
});
