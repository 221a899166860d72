import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { afterEach } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const CLI = join(REPO, 'bin/lockstep.js');
export const STAGE = join(REPO, 'tests/fixtures/stage.mjs');

const created: string[] = [];
afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export type Tree = Record<string, string>;

/** A temp directory from an inline file tree; removed after the test. `git: true` makes it a repository. */
export function workspace(files: Tree, opts: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-test-'));
  created.push(dir);
  writeTree(dir, files);
  if (opts.git) {
    execaSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A'], { cwd: dir });
    execaSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init', '--allow-empty'], { cwd: dir });
  }
  return dir;
}

export function writeTree(dir: string, files: Tree): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** `node tests/fixtures/stage.mjs NAME steps…` as a shell command. */
export function stageCmd(name: string, ...steps: string[]): string {
  return ['node', JSON.stringify(STAGE), JSON.stringify(name), ...steps.map((s) => JSON.stringify(s))].join(' ');
}

/** The same, as a YAML scalar ready to paste after `cmd: `. */
export function stage(name: string, ...steps: string[]): string {
  return `'${stageCmd(name, ...steps).replace(/'/g, "''")}'`;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function lockstep(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await execa('node', [CLI, ...args], { cwd, reject: false, env, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The stage names that ran, in order, since the last call (the run log is consumed). */
export function ranStages(dir: string): string[] {
  const log = join(dir, 'runlog.txt');
  if (!existsSync(log)) return [];
  const names = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(log);
  return names;
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf8');
}
