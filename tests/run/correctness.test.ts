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
