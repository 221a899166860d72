import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Shared by every benchmark: timing commands, medians, ratios, and where lockstep lives. */
export const REPO = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
export const CLI = join(REPO, 'bin/lockstep.js');

export interface Measured {
  label: string;
  medianMs: number;
  runsMs: number[];
}

export interface ScenarioResult {
  name: string;
  /** What we compare with, e.g. `openssl dgst -sha256`. */
  rows: Measured[];
  /** Human text such as "1.02× openssl (target ≥ 1.0×)". */
  verdicts: { text: string; ok: boolean | undefined }[];
  notes?: string[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs a command once and returns wall time in ms; a non-zero exit (unless allowed) aborts the benchmark. */
export function timeCommand(cmd: string, args: string[], opts: { cwd?: string; okCodes?: number[]; env?: NodeJS.ProcessEnv } = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (!(opts.okCodes ?? [0]).includes(r.status ?? -1)) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  }
  return ms;
}

export interface Contender {
  label: string;
  /** Runs once, returns ms. `before` runs untimed first (e.g. to drop a stat cache). */
  run: () => number;
  before?: () => void;
}

/** Runs the contenders alternately `rounds` times (so machine noise hits all of them alike). */
export function alternate(contenders: Contender[], rounds: number): Measured[] {
  const runs = contenders.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    contenders.forEach((c, j) => {
      c.before?.();
      runs[j]!.push(c.run());
    });
  }
  return contenders.map((c, j) => ({ label: c.label, medianMs: median(runs[j]!), runsMs: runs[j]! }));
}

export function ratio(ours: Measured, peer: Measured): number {
  return ours.medianMs / peer.medianMs;
}

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function scratch(name: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lockstep-bench-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const machine = () => ({ cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version });

export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const fmtX = (x: number) => `${x.toFixed(2)}×`;

export function exitCodeOf(cmd: string, args: string[], cwd?: string): number {
  return spawnSync(cmd, args, { cwd, stdio: 'ignore' }).status ?? -1;
}
