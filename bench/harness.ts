import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Shared by every benchmark: timing commands, medians, ratios, and where lockstep lives. */
export const REPO = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
export const CLI = join(REPO, 'bin/lockstep.js');

export interface Measured {
  label: string;
  medianMs: number;
  runsMs: number[];
  /** From /usr/bin/time when the contender ran through timeCommand: the highest peak RSS of its runs… */
  peakRssMiB?: number;
  /** …and its median CPU time (user + sys, children included). */
  cpuMs?: number;
}

interface Usage {
  maxRssMiB: number;
  cpuMs: number;
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

const TIME = '/usr/bin/time';
const timeFile = join(tmpdir(), `lockstep-bench-time-${process.pid}`);
process.on('exit', () => rmSync(timeFile, { force: true }));
/** Usage of the last command timeCommand ran, picked up by `alternate` for the contender that ran it. */
let lastUsage: Usage | undefined;

/**
 * Runs a command once and returns wall time in ms; a non-zero exit (unless allowed) aborts the benchmark.
 * Under /usr/bin/time when it is installed (Debian: apt-get install time), for peak RSS and CPU time;
 * its fork and exec add the same ~1 ms to every contender.
 */
export function timeCommand(cmd: string, args: string[], opts: { cwd?: string; okCodes?: number[]; env?: NodeJS.ProcessEnv } = {}): number {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (!(opts.okCodes ?? [0]).includes(r.status ?? -1)) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  }
  lastUsage = undefined;
  if (timed) {
    // The last line: time writes "Command exited with non-zero status N" above it when okCodes allowed one.
    const [rss, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    lastUsage = { maxRssMiB: rss! / 1024, cpuMs: (user! + sys!) * 1000 };
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
  const usage = contenders.map(() => [] as Usage[]);
  for (let i = 0; i < rounds; i++) {
    contenders.forEach((c, j) => {
      c.before?.();
      lastUsage = undefined;
      runs[j]!.push(c.run());
      if (lastUsage) usage[j]!.push(lastUsage);
    });
  }
  return contenders.map((c, j) => {
    const u = usage[j]!;
    const measured: Measured = { label: c.label, medianMs: median(runs[j]!), runsMs: runs[j]! };
    if (u.length === runs[j]!.length) {
      measured.peakRssMiB = Math.max(...u.map((x) => x.maxRssMiB));
      measured.cpuMs = median(u.map((x) => x.cpuMs));
    }
    return measured;
  });
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

/** Whether the CPU hashes sha256 in hardware (x86 SHA-NI, Arm SHA2): OpenSSL's speed, and so every ratio to it, hangs on this. */
function shaExtensions(): 'yes' | 'no' | 'unknown' {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /^(flags|Features)\s*:.*\b(sha_ni|sha2)\b/m.test(flags) ? 'yes' : 'no';
  } catch {
    return 'unknown';
  }
}

export const machine = () => ({ cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', sha: shaExtensions(), node: process.version });

export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const fmtMiB = (mib: number) => `${mib.toFixed(0)} MiB`;
export const fmtX = (x: number) => `${x.toFixed(2)}×`;

export function exitCodeOf(cmd: string, args: string[], cwd?: string): number {
  return spawnSync(cmd, args, { cwd, stdio: 'ignore' }).status ?? -1;
}
