import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, read, stage, workspace } from '../helpers/workspace.js';

describe('parallel stages', () => {
  it('a diamond with -j 2 runs its two middle stages at the same time, with prefixed output', async () => {
    // Each middle stage waits for the other to have started, so they can only finish if they overlap;
    // the stamps then prove it without any timing threshold.
    const dir = workspace({
      'pipeline.yaml': `stages:
  top:
    cmd: ${stage('top', 'write:top.txt=1')}
    outs: [top.txt]
  left:
    cmd: ${stage('left', 'stamp:stamps.txt', 'write:started-left=1', 'waitfile:started-right', 'echo:hello from left', 'stampend:stamps.txt', 'write:left.txt=1')}
    deps: [top.txt]
    outs: [left.txt]
  right:
    cmd: ${stage('right', 'stamp:stamps.txt', 'write:started-right=1', 'waitfile:started-left', 'stampend:stamps.txt', 'write:right.txt=1')}
    deps: [top.txt]
    outs: [right.txt]
  bottom:
    cmd: ${stage('bottom', 'write:bottom.txt=1')}
    deps: [left.txt, right.txt]
    outs: [bottom.txt]
`,
    });
    const r = await lockstep(dir, ['repro', '-j', '2']);
    expect(r.exitCode, r.stderr).toBe(0);
    const ran = ranStages(dir);
    expect(ran[0]).toBe('top');
    expect(ran[3]).toBe('bottom');
    const stamps: Record<string, number> = Object.fromEntries(
      read(dir, 'stamps.txt')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([name, kind, t]) => [`${name}.${kind}`, Number(t)]),
    );
    expect(stamps['left.start']).toBeLessThan(stamps['right.end']!);
    expect(stamps['right.start']).toBeLessThan(stamps['left.end']!);
    expect(r.stderr).toContain('left | hello from left');
  });

  it('-j rejects nonsense', async () => {
    const dir = workspace({ 'pipeline.yaml': 'stages: {}\n' });
    const r = await lockstep(dir, ['repro', '-j', 'lots']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--jobs must be a positive integer or auto');
  });
});
