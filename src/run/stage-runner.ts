import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { spawn, type ChildProcess } from 'node:child_process';
import { ENV_ROOT, ENV_STAGE, FAILURE_TAIL_LINES, KILL_GRACE_MS } from '../constants.js';
import type { Reporter } from '../log.js';
import type { Stage } from '../pipeline/types.js';

export type StageRunResult =
  | { ok: true; durationMs: number }
  | { ok: false; durationMs: number; cmd: string; exitCode?: number; signal?: string; interrupted: boolean; tail: string[] };

export interface RunningStage {
  done: Promise<StageRunResult>;
  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. */
  stop(): void;
}

export interface StageRunOptions {
  root: string;
  logFile: string;
  reporter: Reporter;
}

/**
 * Runs a stage's commands in order through the shell, stopping at the first failure. Each command leads
 * its own process group so that stopping a stage also stops everything it spawned.
 */
export function startStage(stage: Stage, opts: StageRunOptions): RunningStage {
  let current: ChildProcess | undefined;
  let stopping = false;
  const tail: string[] = [];
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = openSync(opts.logFile, 'w');

  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > FAILURE_TAIL_LINES) tail.shift();
    opts.reporter.stageOutput(stage.name, line);
  };

  const run = async (): Promise<StageRunResult> => {
    const started = performance.now();
    try {
      for (const cmd of stage.cmd) {
        if (stopping) break;
        writeSync(log, `$ ${cmd}\n`);
        // Plain spawn rather than execa here: this is the hot path of every repro, and execa's module
        // graph alone adds ~120 ms to start-up (bench/, parallel scenario).
        const child = spawn(cmd, {
          shell: true,
          cwd: join(opts.root, stage.wdir),
          env: { ...process.env, [ENV_ROOT]: opts.root, [ENV_STAGE]: stage.name },
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        current = child;
        const streams = [pipeLines(child.stdout, log, onLine), pipeLines(child.stderr, log, onLine)];
        const result = await new Promise<{ exitCode?: number; signal?: string; error?: Error }>((resolve) => {
          child.once('error', (error) => resolve({ error }));
          child.once('exit', (code, signal) => resolve({ ...(code === null ? {} : { exitCode: code }), ...(signal ? { signal } : {}) }));
        });
        await Promise.all(streams);
        current = undefined;
        if (result.error) onLine(`lockstep: cannot start the command: ${result.error.message}`);
        if (result.exitCode !== 0 || stopping) {
          return {
            ok: false,
            durationMs: performance.now() - started,
            cmd,
            ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
            ...(result.signal ? { signal: result.signal } : {}),
            interrupted: stopping,
            tail: [...tail],
          };
        }
      }
      if (stopping) return { ok: false, durationMs: performance.now() - started, cmd: '', interrupted: true, tail };
      return { ok: true, durationMs: performance.now() - started };
    } finally {
      closeSync(log);
    }
  };

  return {
    done: run(),
    stop() {
      stopping = true;
      const pid = current?.pid;
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      timer.unref();
      current?.once('exit', () => clearTimeout(timer));
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Splits a stream into lines, copying every byte to the log file as it arrives. */
function pipeLines(stream: Readable | null, log: number, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    writeSync(log, chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line.replace(/\r$/, ''));
  });
  return new Promise((resolve) => {
    stream.on('close', () => {
      if (partial) onLine(partial);
      resolve();
    });
  });
}
