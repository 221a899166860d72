import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, CLI, fmtX, ratio, scratch, timeCommand, type ScenarioResult } from '../harness.js';

/** 8 independent stages that each sleep 1 s, run with -j 8: the wall time against the longest stage. */
export function parallelStages(rounds: number): ScenarioResult {
  const { dir, cleanup } = scratch('parallel');
  try {
    const yaml = ['stages:'];
    for (let i = 0; i < 8; i++) yaml.push(`  p${i}:\n    cmd: sleep 1 && echo ${i} > o${i}.txt\n    outs: [o${i}.txt]\n    always_changed: true`);
    writeFileSync(join(dir, 'pipeline.yaml'), `${yaml.join('\n')}\n`);
    const rows = alternate(
      [
        { label: 'lockstep repro -j 8 (8 × sleep 1)', run: () => timeCommand('node', [CLI, '-q', 'repro', '-j', '8'], { cwd: dir }) },
        { label: 'the longest stage alone (sleep 1)', run: () => timeCommand('sh', ['-c', 'sleep 1 && echo 0 > o.txt'], { cwd: dir }) },
      ],
      rounds,
    );
    return {
      name: 'parallel fan-out: 8 independent 1 s stages with -j 8',
      rows,
      verdicts: [{ text: `wall = ${fmtX(ratio(rows[0]!, rows[1]!))} the longest stage (target ≤ 1.3×)`, ok: ratio(rows[0]!, rows[1]!) <= 1.3 }],
    };
  } finally {
    cleanup();
  }
}

export function startup(rounds: number): ScenarioResult {
  const rows = alternate(
    [
      { label: 'lockstep --version', run: () => timeCommand('node', [CLI, '--version']) },
      { label: 'node -e 0', run: () => timeCommand('node', ['-e', '0']) },
    ],
    rounds,
  );
  return {
    name: 'start-up: lockstep --version',
    rows,
    verdicts: [{ text: `${fmtX(ratio(rows[0]!, rows[1]!))} node -e 0 (target ≤ 2×)`, ok: ratio(rows[0]!, rows[1]!) <= 2 }],
  };
}
