import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

describe('digests know files from directories (issue 16 item 7)', () => {
  it('an empty directory dep that becomes a file with the manifest text is a change', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    deps: [d]\n    outs: [o.txt]\n`,
    });
    mkdirSync(join(dir, 'd'));
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
    rmSync(join(dir, 'd'), { recursive: true });
    // The bytes of an empty directory's manifest: same sha256, different kind.
    writeTree(dir, { d: '[]' });
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('dep modified: d');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
  });

  it('tracked data that was an empty directory and is now such a file is changed', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages: {}\n' });
    mkdirSync(join(dir, 'd'));
    const add = await lockstep(dir, ['add', 'd']);
    expect(add.exitCode, add.stderr).toBe(0);
    rmSync(join(dir, 'd'), { recursive: true });
    writeTree(dir, { d: '[]' });
    expect((await lockstep(dir, ['status'])).stdout).toContain('data changed: d');
  });
});

describe('a params file written by a stage is a graph edge (issue 16 item 3)', () => {
  const project = () =>
    workspace({
      'n.txt': 'n: 1\n',
      'pipeline.yaml': `stages:
  use:
    cmd: ${stage('use', 'copy:gen.yaml=used.txt')}
    params:
      - gen.yaml: [n]
    outs: [used.txt]
  gen:
    cmd: ${stage('gen', 'copy:n.txt=gen.yaml')}
    deps: [n.txt]
    outs: [gen.yaml]
`,
    });

  it('runs the consumer after the producer, with the new value, and reruns it when the value changes', async () => {
    const dir = project();
    // A fresh clone: gen.yaml does not exist yet, which is fine since a stage produces it.
    const status = await lockstep(dir, ['status']);
    expect(status.exitCode, status.stderr).toBe(0);
    const first = await lockstep(dir, ['repro']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['gen', 'use']);
    expect(read(dir, 'pipeline.lock')).toContain('gen.yaml: {n: 1}');

    writeTree(dir, { 'n.txt': 'n: 2\n' });
    expect((await lockstep(dir, ['status'])).stdout).toMatch(/use: will run\n(.*\n)*\s+upstream stage will run: gen/);
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['gen', 'use']);
    expect(read(dir, 'used.txt')).toBe('n: 2\n');
    expect(read(dir, 'pipeline.lock')).toContain('gen.yaml: {n: 2}');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual([]);

    // Same value, other bytes: the producer reruns, the consumer is cut off.
    writeTree(dir, { 'n.txt': 'n: 2  # same\n' });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['gen']);
  });

  it('a committed lock without the produced params file (fresh clone) restores or reruns, no error', async () => {
    const dir = project();
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    ranStages(dir);
    rmSync(join(dir, 'gen.yaml'));
    rmSync(join(dir, 'used.txt'));
    const status = await lockstep(dir, ['status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain('gen: will run');
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(dir, 'used.txt')).toBe('n: 1\n');
  });
});

describe('every value compares exactly (issue 16 item 4)', () => {
  const project = (params: string) =>
    workspace({
      'in.txt': 'x',
      'params.yaml': params,
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'copy:params.yaml=out.txt')}\n    deps: [in.txt]\n    params: [v]\n    outs: [out.txt]\n`,
    });

  it('.inf -> -.inf is a change, and the run-cache never restores the .inf result for -.inf', async () => {
    const dir = project('v: .inf\n');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(read(dir, 'pipeline.lock')).toContain('params.yaml: {v: .inf}');
    ranStages(dir);
    writeTree(dir, { 'params.yaml': 'v: -.inf\n' });
    expect((await lockstep(dir, ['status'])).stdout).toContain('param changed: v: Infinity -> -Infinity');
    const r = await lockstep(dir, ['repro']);
    expect(r.stderr).not.toContain('restored');
    expect(ranStages(dir)).toEqual(['s']);
    expect(read(dir, 'out.txt')).toBe('v: -.inf\n');
    writeTree(dir, { 'params.yaml': 'v: .nan\n' });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
    // NaN equals itself: nothing to do.
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    writeTree(dir, { 'params.yaml': 'v: .inf  # back\n' });
    expect((await lockstep(dir, ['repro'])).stderr).toContain('restored');
    expect(read(dir, 'out.txt')).toBe('v: .inf\n');
  });

  it('integers beyond 2^53, long decimals and -0 are kept as written and compared exactly', async () => {
    const dir = project('v: 12345678901234567890\n');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(read(dir, 'pipeline.lock')).toContain('params.yaml: {v: 12345678901234567890}');
    ranStages(dir);
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    const steps: [string, string][] = [
      ['12345678901234567891', 'param changed: v: 12345678901234567890 -> 12345678901234567891'],
      ['0.1000000000000000000001', 'param changed: v: 12345678901234567891 -> 0.1000000000000000000001'],
      ['0.1000000000000000000002', 'param changed: v: 0.1000000000000000000001 -> 0.1000000000000000000002'],
      ['0', 'param changed: v: 0.1000000000000000000002 -> 0'],
      ['-0', 'param changed: v: 0 -> -0'],
    ];
    for (const [value, reason] of steps) {
      writeTree(dir, { 'params.yaml': `v: ${value}\n` });
      expect((await lockstep(dir, ['status'])).stdout).toContain(reason);
      expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
      expect(ranStages(dir)).toEqual(['s']);
      expect(read(dir, 'pipeline.lock')).toContain(`params.yaml: {v: ${value}}`);
    }
    // The same values written otherwise are the same values: 1 equals 1.0, -0 equals -0.0.
    writeTree(dir, { 'params.yaml': 'v: -0.0\n' });
    expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    writeTree(dir, { 'params.yaml': 'v: 0.12345678901234567891\n' });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    for (const same of ['1.2345678901234567891e-1', '12345678901234567891e-20', '0.123456789012345678910']) {
      writeTree(dir, { 'params.yaml': `v: ${same}\n` });
      expect((await lockstep(dir, ['status'])).stdout).toContain('up to date');
    }
  });

  it('${} in a cmd gets a big integer as written', async () => {
    const dir = workspace({
      'params.yaml': 'seed: 12345678901234567890\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:seed.txt=${seed}')}\n    params: [seed]\n    outs: [seed.txt]\n`,
    });
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(read(dir, 'seed.txt')).toBe('12345678901234567890');
  });

  it('metrics diff tells .inf from -.inf, -0 from 0 and big integers apart', async () => {
    const dir = workspace(
      {
        'pipeline.yaml': 'stages: {}\nmetrics: [m.yaml, m.json]\n',
        'm.yaml': 'a: .inf\nb: 0\nc: .nan\n',
        'm.json': '{"n": 12345678901234567890}',
      },
      { git: true },
    );
    writeTree(dir, { 'm.yaml': 'a: -.inf\nb: -0\nc: .nan\n', 'm.json': '{"n": 12345678901234567891}' });
    const r = await lockstep(dir, ['metrics', 'diff', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).rows as { name: string; old: unknown; new: unknown; state: string }[];
    expect(rows.map((x) => [x.name, x.state])).toEqual([
      ['n', 'changed'],
      ['a', 'changed'],
      ['b', 'changed'],
    ]);
    expect(rows[0]).toMatchObject({ old: '12345678901234567890', new: '12345678901234567891' });
    const text = await lockstep(dir, ['metrics', 'diff']);
    expect(text.stdout).toMatch(/m\.json\s+n\s+12345678901234567890\s+12345678901234567891/);
    expect(text.stdout).toMatch(/m\.yaml\s+b\s+0\s+-0/);
  });
});
