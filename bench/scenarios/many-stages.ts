import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, CLI, fmtX, has, ratio, scratch, timeCommand, type ScenarioResult } from '../harness.js';

/**
 * A 1,000-stage DAG of chains and fan-out, one small file per stage, in all three tools' syntax.
 * Stage i reads stage i-10 (chains of 100) and stage ⌊i/2⌋ (fan-out); the first 10 read an input file.
 */
function depsOf(i: number): string[] {
  if (i < 10) return [`in/${i}.txt`];
  return [...new Set([`out/s${i - 10}.txt`, `out/s${Math.floor(i / 2)}.txt`])];
}

export function manyStages(rounds: number, stages = 1000): ScenarioResult {
  const { dir, cleanup } = scratch('stages');
  try {
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'out'));
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, `in/${i}.txt`), `input ${i}\n`);
    const yaml = ['stages:'];
    const make = ['all:'];
    const snake = [`rule all:\n    input: [${Array.from({ length: stages }, (_, i) => `"out/s${i}.txt"`).join(', ')}]`];
    for (let i = 0; i < stages; i++) {
      const deps = depsOf(i);
      yaml.push(`  s${i}:\n    cmd: cat ${deps.join(' ')} > out/s${i}.txt\n    deps: [${deps.join(', ')}]\n    outs: [out/s${i}.txt]`);
      make[0] += ` out/s${i}.txt`;
      make.push(`out/s${i}.txt: ${deps.join(' ')}\n\tcat $^ > $@`);
      snake.push(`rule s${i}:\n    input: [${deps.map((d) => `"${d}"`).join(', ')}]\n    output: "out/s${i}.txt"\n    shell: "cat {input} > {output}"`);
    }
    writeFileSync(join(dir, 'pipeline.yaml'), `${yaml.join('\n')}\n`);
    writeFileSync(join(dir, 'Makefile'), `${make.join('\n')}\n`);
    writeFileSync(join(dir, 'Snakefile'), `${snake.join('\n\n')}\n`);

    timeCommand('node', [CLI, '-q', 'repro', '-j', '2'], { cwd: dir });
    // Outs written within a timestamp tick of being hashed are hashed once more by the next command (the
    // racy-file rule): that first status is not a no-op, so it is run before the measured ones.
    timeCommand('node', [CLI, 'status'], { cwd: dir });
    const contenders = [{ label: 'lockstep status (no-op)', run: () => timeCommand('node', [CLI, 'status'], { cwd: dir }) }];
    // make judges by mtime: touch its outputs in dependency order so it agrees that all is up to date.
    timeCommand('make', ['-s', '-j2', '-t'], { cwd: dir });
    contenders.push({ label: 'make -q', run: () => timeCommand('make', ['-q'], { cwd: dir }) });
    const snakemake = has('snakemake');
    if (snakemake) {
      timeCommand('snakemake', ['-c2', '--quiet', '--touch'], { cwd: dir, okCodes: [0] });
      contenders.push({ label: 'snakemake -n', run: () => timeCommand('snakemake', ['-n', '-c1', '--quiet'], { cwd: dir }) });
    }
    const rows = alternate(contenders, rounds);
    const verdicts = [{ text: `${fmtX(ratio(rows[0]!, rows[1]!))} make -q (reported, no target)`, ok: undefined as boolean | undefined }];
    if (snakemake) {
      const x = rows[2]!.medianMs / rows[0]!.medianMs;
      verdicts.push({ text: `${fmtX(x)} faster than snakemake -n (target ≥ 10×)`, ok: x >= 10 });
    }
    return {
      name: `no-op status of a ${stages.toLocaleString('en')}-stage pipeline`,
      rows,
      verdicts,
      ...(snakemake ? {} : { notes: ['snakemake not installed: apt-get install snakemake'] }),
    };
  } finally {
    cleanup();
  }
}
