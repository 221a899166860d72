import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stageCmd, workspace } from '../helpers/workspace.js';

/** A cmd (YAML-quoted) that records its name and writes its out: `${…}` parts are substituted first. */
const cmd = (name: string, out: string) => `'${stageCmd(name, `write:${out}=${name}`).replace(/'/g, "''")}'`;

describe('vars, foreach and matrix (DVC templating)', () => {
  it('foreach over a list generates name@item stages; the group name targets them all', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  clean:
    foreach: [raw1, labels1]
    do:
      cmd: ${cmd('clean-${item}', 'out/${item}.cln')}
      outs:
        - out/\${item}.cln
  report:
    cmd: ${cmd('report', 'report.txt')}
    deps: [out/raw1.cln, out/labels1.cln]
    outs: [report.txt]
`,
    });
    const dag = await lockstep(dir, ['dag']);
    expect(dag.stdout).toBe('clean@labels1\nclean@raw1\nreport         <- clean@labels1, clean@raw1');
    const r = await lockstep(dir, ['repro', 'clean']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir).sort()).toEqual(['clean-labels1', 'clean-raw1']);
    expect(read(dir, 'out/raw1.cln')).toBe('clean-raw1');
    expect(read(dir, 'pipeline.lock')).toContain('clean@raw1:');
    await lockstep(dir, ['repro']);
    expect(ranStages(dir)).toEqual(['report']);
  });

  it('foreach over a map, or over a list named in params.yaml, with ${key} and ${item.field}', async () => {
    const dir = workspace({
      'params.yaml': 'datasets:\n  - {name: small, rows: 10}\n  - {name: large, rows: 1000}\n',
      'pipeline.yaml': `stages:
  gen:
    foreach:
      us: {rows: 5}
      eu: {rows: 7}
    do:
      cmd: ${cmd('gen-${key}-${item.rows}', 'gen/${key}.txt')}
      outs:
        - gen/\${key}.txt
  load:
    foreach: \${datasets}
    do:
      cmd: ${cmd('load-${item.name}-${item.rows}', 'load/${item.name}.txt')}
      outs:
        - load/\${item.name}.txt
`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir).sort()).toEqual(['gen-eu-7', 'gen-us-5', 'load-large-1000', 'load-small-10']);
    // Lists of maps are named by index, as DVC does.
    expect(read(dir, 'pipeline.lock')).toMatch(/load@0:[\s\S]*load@1:/);
  });

  it('matrix generates one stage per combination', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:
  train:
    matrix:
      model: [lr, svm]
      fold: [1, 2]
    cmd: ${cmd('train-${item.model}-${item.fold}', 'models/${item.model}-${item.fold}.txt')}
    outs:
      - models/\${item.model}-\${item.fold}.txt
`,
    });
    expect((await lockstep(dir, ['dag'])).stdout).toBe('train@lr-1\ntrain@lr-2\ntrain@svm-1\ntrain@svm-2');
    expect((await lockstep(dir, ['repro', 'train@svm-2'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['train-svm-2']);
  });

  it('vars: files (whole or some keys), inline maps and stage-level vars', async () => {
    const dir = workspace({
      'config.json': '{"seed": 7, "unused": 1}',
      'other.yaml': 'model: {name: forest}\n',
      'pipeline.yaml': `vars:
  - config.json:seed
  - other.yaml
  - {epochs: 3}
stages:
  fit:
    vars:
      - {tag: v2}
    cmd: ${cmd('fit-${seed}-${model.name}-${epochs}-${tag}', 'fit.txt')}
    outs: [fit.txt]
`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['fit-7-forest-3-v2']);
  });

  it('reports template problems at their position', async () => {
    const noDo = workspace({ 'pipeline.yaml': 'stages:\n  a:\n    foreach: [x]\n' });
    const r1 = await lockstep(noDo, ['status']);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain('pipeline.yaml:2:3 stages.a.do: Invalid input: expected object, received undefined');

    const dir = workspace({
      'pipeline.yaml': `stages:
  b:
    foreach: \${nothing}
    do:
      cmd: echo
  c:
    foreach: [x]
    do:
      cmd: echo \${item.size}
`,
    });
    const r = await lockstep(dir, ['status']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('invalid (2 problems)');
    expect(r.stderr).toContain('pipeline.yaml:3:5 stages.b.foreach: ${nothing} is not defined');
    expect(r.stderr).toContain('pipeline.yaml:9:7 stages.c@x.cmd: ${item.size} is not defined');
  });
});
