import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, CLI, fmtX, ratio, scratch, timeCommand, type ScenarioResult } from '../harness.js';

const VARIANTS = 6;

/**
 * A 6-variant sweep of a pipeline whose train stage sleeps 1 s: `exp run -j 3` against the six `repro`s a
 * person would run one after another, editing params.yaml between them. Every round uses values no
 * earlier round used, so neither side can restore from the run-cache.
 */
export function sweep(rounds: number): ScenarioResult {
  const { dir, cleanup } = scratch('sweep');
  try {
    writeFileSync(join(dir, 'prepare.js'), "require('fs').writeFileSync('prepared.txt', 'x'.repeat(Number(process.argv[2])));\n");
    writeFileSync(join(dir, 'train.js'), "setTimeout(() => require('fs').writeFileSync('model.txt', process.argv[2]), 1000);\n");
    writeFileSync(join(dir, 'evaluate.js'), "const fs = require('fs');\nfs.writeFileSync('metrics.json', JSON.stringify({ score: Number(fs.readFileSync('model.txt', 'utf8')) }));\n");
    writeFileSync(join(dir, 'params.yaml'), 'prepare:\n  n: 100\ntrain:\n  C: 1\n');
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `stages:
  prepare:
    cmd: node prepare.js \${prepare.n}
    deps: [prepare.js]
    params: [prepare.n]
    outs: [prepared.txt]
  train:
    cmd: node train.js \${train.C}
    deps: [train.js, prepared.txt]
    params: [train.C]
    outs: [model.txt]
  evaluate:
    cmd: node evaluate.js
    deps: [evaluate.js, model.txt]
    metrics:
      - metrics.json: {cache: false}
`,
    );
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    timeCommand('node', [CLI, '-q', 'repro'], { cwd: dir });
    git('add', '-A');
    git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'base');
    let round = 0;
    const values = () => Array.from({ length: VARIANTS }, (_, i) => 1000 * ++round + i);
    const rows = alternate(
      [
        {
          label: `lockstep exp run -j 3 (${VARIANTS} variants)`,
          run: () => timeCommand('node', [CLI, '-q', 'exp', 'run', '-S', `train.C=${values().join(',')}`, '-j', '3'], { cwd: dir }),
        },
        {
          label: `${VARIANTS} × (edit params.yaml; lockstep repro)`,
          run: () =>
            values().reduce((total, c) => {
              writeFileSync(join(dir, 'params.yaml'), `prepare:\n  n: 100\ntrain:\n  C: ${c}\n`);
              return total + timeCommand('node', [CLI, '-q', 'repro'], { cwd: dir });
            }, 0),
        },
      ],
      rounds,
    );
    const r = ratio(rows[0]!, rows[1]!);
    return {
      name: `experiments: a ${VARIANTS}-variant sweep whose train stage sleeps 1 s`,
      rows,
      verdicts: [{ text: `exp run -j 3 takes ${fmtX(r)} the time of the sequential repros (target ≤ 0.45×)`, ok: r <= 0.45 }],
    };
  } finally {
    cleanup();
  }
}
