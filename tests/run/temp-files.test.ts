import { existsSync, rmSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lockstep, stage, workspace } from '../helpers/workspace.js';

const PIPELINE = `stages:
  a:
    cmd: ${stage('a', 'write:a.txt=1')}
    outs: [a.txt]
  b:
    cmd: ${stage('b', 'copy:a.txt=b.txt')}
    deps: [a.txt]
    outs: [b.txt]
`;

/** A pid that is certainly not running: above the kernel's pid_max. */
const DEAD_PID = 4_194_305;

describe('temp files', () => {
  it('writing the lock and checking out create no temp file beside the user\'s files', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE });
    const created: string[] = [];
    const watcher = watch(dir, (_event, name) => name && created.push(String(name)));
    try {
      expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
      rmSync(join(dir, 'a.txt'));
      expect((await lockstep(dir, ['checkout'])).exitCode).toBe(0);
      expect(existsSync(join(dir, 'a.txt'))).toBe(true);
      await sleep(200);
    } finally {
      watcher.close();
    }
    expect(created.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(created).toContain('pipeline.lock');
  });

  it('leftovers of a killed lockstep are removed by the next command; a live writer\'s stay', async () => {
    const dir = workspace({ 'pipeline.yaml': PIPELINE, '.lockstep/tmp/keep.txt': 'x' });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    const leftovers = [`.pipeline.lock.${DEAD_PID}.0badf00d.tmp`, `.lockstep/tmp/.stat-cache.tsv.${DEAD_PID}.0badf00d.tmp`];
    const live = [`.pipeline.lock.${process.pid}.0badf00d.tmp`, `.lockstep/tmp/.x.${DEAD_PID}.12345678.tmp`];
    for (const f of [...leftovers, ...live]) writeFileSync(join(dir, f), 'partial');
    for (const f of [...leftovers, live[0]!]) utimesSync(join(dir, f), twoMinutesAgo, twoMinutesAgo);
    const userFile = `.notes.${DEAD_PID}.0badf00d.tmp`;
    writeFileSync(join(dir, userFile), 'mine');
    utimesSync(join(dir, userFile), twoMinutesAgo, twoMinutesAgo);
    expect((await lockstep(dir, ['status'])).exitCode).toBe(0);
    for (const f of leftovers) expect(existsSync(join(dir, f)), f).toBe(false);
    // The first is ours (this test process is alive); the second is dead but young: it may still be renamed.
    for (const f of live) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, userFile))).toBe(true);
    expect(existsSync(join(dir, '.lockstep/tmp/keep.txt'))).toBe(true);
  });
});
