import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, lockstep, stageCmd, ranStages, read, stage, workspace, writeTree } from '../helpers/workspace.js';

const fanOut = (bad: string) =>
  workspace({
    'pipeline.yaml': `stages:
  good:
    cmd: ${stage('good', 'write:g.txt=1')}
    outs: [g.txt]
  bad:
    cmd: ${bad}
    outs: [b.txt]
  after_bad:
    cmd: ${stage('after_bad', 'write:ab.txt=1')}
    deps: [b.txt]
    outs: [ab.txt]
  z_last:
    cmd: ${stage('z_last', 'write:z.txt=1')}
    deps: [g.txt]
    outs: [z.txt]
`,
  });

/**
 * Whether `pid` is still running. A zombie (exited, not yet reaped: an orphan waits for init, which may
 * be slow on a busy machine) has stopped, though signal 0 still reaches it.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) STATE …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    // No /proc (macOS): signal 0 is all there is.
    return !existsSync('/proc/self');
  }
}

/** The pid a stage fixture wrote (whole: it renames the file into place); never 0, which would mean our own group. */
function readPid(path: string): number {
  const pid = Number(readFileSync(path, 'utf8'));
  expect(Number.isInteger(pid) && pid > 0, `${path} holds a pid`).toBe(true);
  return pid;
}

/** Polls until `cond` holds; bounded so a broken setup fails instead of hanging. */
async function waitFor(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('failures', () => {
  it('a failing stage exits 1 naming the stage, its exit code and the tail of its output; its lock entry stays', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `echo:line-${i + 1}`);
    const dir = workspace({
      'params.yaml': 'fail: 0\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:b.txt=1')}\n    params: [fail]\n    outs: [b.txt]\n`,
    });
    await lockstep(dir, ['repro']);
    const lockBefore = read(dir, 'pipeline.lock');
    writeTree(dir, {
      'params.yaml': 'fail: 1\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', ...lines, 'exit:3')}\n    params: [fail]\n    outs: [b.txt]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: stage s failed with exit code 3');
    expect(r.stderr).toContain('last 20 lines of output:');
    expect(r.stderr).toContain('  | line-30');
    expect(r.stderr).toContain('  | line-11');
    expect(r.stderr).not.toContain('  | line-10\n');
    expect(r.stderr).toContain('full log: .lockstep/tmp/logs/s.log');
    expect(read(dir, '.lockstep/tmp/logs/s.log')).toContain('line-1\n');
    expect(read(dir, 'pipeline.lock')).toBe(lockBefore);
  });

  it('a list cmd stops at the first failing command', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  s:\n    cmd:\n      - ${stage('one', 'exit:2')}\n      - ${stage('two', 'write:o=1')}\n    outs: [o]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(1);
    expect(ranStages(dir)).toEqual(['one']);
  });

  it('without --keep-going no new stage starts after a failure; dependants are blocked', async () => {
    const dir = fanOut(stage('bad', 'exit:1'));
    const r = await lockstep(dir, ['repro', '--json']);
    expect(r.exitCode).toBe(1);
    // Order: bad, good (names sort) … bad fails first so nothing else starts.
    expect(ranStages(dir)).toEqual(['bad']);
    const statuses = Object.fromEntries(JSON.parse(r.stdout).stages.map((s: { name: string; status: string }) => [s.name, s.status]));
    expect(statuses).toEqual({ bad: 'failed', good: 'not-started', after_bad: 'blocked', z_last: 'not-started' });
  });

  it('--keep-going runs the independent branches and skips the dependants of the failure', async () => {
    const dir = fanOut(stage('bad', 'exit:1'));
    const r = await lockstep(dir, ['repro', '--keep-going']);
    expect(r.exitCode).toBe(1);
    expect(ranStages(dir).sort()).toEqual(['bad', 'good', 'z_last']);
    expect(r.stderr).toContain('stage after_bad did not run: upstream stage failed: bad');
    expect(read(dir, 'pipeline.lock')).toContain('good:');
    expect(read(dir, 'pipeline.lock')).not.toContain('bad:');
  });

  it('a stage that exits 0 without writing a declared out fails', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:a=1')}\n    outs: [a, b]\n` });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('stage s exited 0 but did not produce b');
    expect(existsSync(join(dir, 'pipeline.lock'))).toBe(false);
  });

  it('non-persist outs are removed before the stage runs; persist outs are kept', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'mkdir:out')}\n    outs:\n      - out\n      - keep.txt: {persist: true}\n`,
      'out/stale.txt': 'old',
      'keep.txt': 'kept',
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'out/stale.txt'))).toBe(false);
    expect(read(dir, 'keep.txt')).toBe('kept');
  });

  it('a second repro (or gc, checkout, cache verify) in the same workspace fails at once naming the holder; a dead holder is taken over', async () => {
    const dir = workspace({ 'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:started=1', 'waitfile:go', 'write:o=1')}\n    outs: [o]\n` });
    const first = execa('node', [CLI, 'repro'], { cwd: dir, reject: false });
    await waitFor(() => existsSync(join(dir, 'started')));
    const second = await lockstep(dir, ['repro']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`another lockstep (pid ${first.pid}) is changing this workspace`);
    for (const cmd of [['gc'], ['checkout'], ['cache', 'verify']]) {
      const busy = await lockstep(dir, cmd);
      expect(busy.exitCode, cmd.join(' ')).toBe(1);
      expect(busy.stderr).toContain(`(pid ${first.pid}) is changing this workspace`);
    }
    writeFileSync(join(dir, 'go'), '');
    expect((await first).exitCode).toBe(0);

    // A pid file left by a process that no longer exists.
    const dead = execa('node', ['-e', '0']);
    await dead;
    writeFileSync(join(dir, '.lockstep/tmp/repro.pid'), `${dead.pid}\n`);
    const third = await lockstep(dir, ['repro', '--force']);
    expect(third.exitCode, third.stderr).toBe(0);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s mid-stage stops the whole process group, records nothing for it and leaves a valid lock', async (signal, code) => {
    const dir = workspace({
      'params.yaml': 'v: 1\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o=1')}\n    params: [v]\n    outs: [o]\n`,
    });
    await lockstep(dir, ['repro']);
    const lockBefore = read(dir, 'pipeline.lock');
    writeTree(dir, {
      'params.yaml': 'v: 2\n',
      // The stage spawns a grandchild through the shell; both must die with the group.
      'pipeline.yaml': `stages:\n  s:\n    cmd: '${stageCmd('child', 'pid:child.pid', 'sleep:60000')} & ${stageCmd('s', 'pid:stage.pid', 'sleep:60000', 'write:o=2')}'\n    params: [v]\n    outs: [o]\n`,
    });
    const run = execa('node', [CLI, 'repro'], { cwd: dir, reject: false });
    await waitFor(() => existsSync(join(dir, 'stage.pid')) && existsSync(join(dir, 'child.pid')), 'both pid files');
    run.kill(signal);
    const r = await run;
    expect(r.exitCode).toBe(code);
    expect(String(r.stderr)).toContain(`${signal}: stopping running stages`);
    const pids = ['stage.pid', 'child.pid'].map((f) => readPid(join(dir, f)));
    await waitFor(() => pids.every((p) => !isAlive(p)), 'the stage and its child to exit');
    expect(read(dir, 'pipeline.lock')).toBe(lockBefore);
    expect(existsSync(join(dir, '.lockstep/tmp/repro.pid'))).toBe(false);
    const objects = readdirSync(join(dir, '.lockstep/cache/files/sha256'), { recursive: true }).map(String);
    expect(objects.filter((f) => f.includes('.tmp'))).toEqual([]);
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('param changed: v: 1 -> 2');
  });
});
