import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { afterEach } from 'vitest';
import { REPO, workspace, writeTree, type Tree } from './workspace.js';

const created: string[] = [];
afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Builds the Action bundle into a temp dir outside the repo (so it cannot lean on node_modules). */
export async function buildActionInto(dir: string): Promise<string> {
  const { buildAction } = (await import(join(REPO, 'build-action.mjs'))) as { buildAction: (out: string) => Promise<void> };
  const out = join(dir, 'action.js');
  await buildAction(out);
  return out;
}

const gitEnv = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
export const git = (cwd: string, ...args: string[]) => String(execaSync('git', args, { cwd, env: gitEnv }).stdout).trim();

export interface PrRepo {
  /** The bare repository playing `origin`. */
  origin: string;
  baseSha: string;
  headSha: string;
  /** A fresh shallow clone of the pull request's head, as actions/checkout makes one. */
  checkout(): string;
}

/** `origin` with `main` (base commit) and `pr` (base plus `pr` changes), cloned shallow like CI does. */
export function prRepo(base: Tree, pr: Tree): PrRepo {
  const dir = workspace(base, { git: true });
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-qb', 'pr');
  writeTree(dir, pr);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'pr');
  const headSha = git(dir, 'rev-parse', 'HEAD');
  const origin = `${dir}.git`;
  git(dir, 'clone', '-q', '--bare', dir, origin);
  created.push(origin);
  return {
    origin,
    baseSha,
    headSha,
    checkout() {
      const clone = mkdtempSync(join(tmpdir(), 'lockstep-clone-'));
      created.push(clone);
      git(clone, 'clone', '-q', '--depth=1', '--branch', 'pr', `file://${origin}`, '.');
      return clone;
    },
  };
}

export interface ActionResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** `name<<DELIM\nvalue\nDELIM` blocks, as @actions/core writes them to GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

export interface ActionRun {
  bundle: string;
  cwd: string;
  apiUrl: string;
  eventName: string;
  payload: unknown;
  /** Input names as in action.yml; the runner upper-cases them and keeps dashes. */
  inputs: Record<string, string>;
  sha?: string;
  /** Extra environment (e.g. AWS credentials for a remote). */
  env?: Record<string, string>;
}

/** Runs the bundled Action as the runner does: a node process with INPUT_* and the GITHUB_* files. */
export async function runAction(run: ActionRun): Promise<ActionResult> {
  // Kept until the test ends: RUNNER_TEMP holds the report the `report` output points at.
  const files = mkdtempSync(join(tmpdir(), 'lockstep-runner-'));
  created.push(files);
  {
    const eventPath = join(files, 'event.json');
    writeFileSync(eventPath, JSON.stringify(run.payload));
    const outputFile = join(files, 'output.txt');
    const summaryFile = join(files, 'summary.md');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? files,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: run.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_WORKSPACE: run.cwd,
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_API_URL: run.apiUrl,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: run.sha ?? '0'.repeat(40),
      GITHUB_REF: 'refs/pull/1/merge',
      RUNNER_TEMP: files,
      'INPUT_GITHUB-TOKEN': 'ghs_secretTokenValue123',
    };
    for (const [name, value] of Object.entries(run.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    Object.assign(env, run.env);
    const r = await execa('node', [run.bundle], { cwd: run.cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
    return {
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    };
  }
}

/** A pull_request payload for PR #1 of o/r. */
export function pullRequestPayload(baseSha: string, headSha: string): unknown {
  return {
    action: 'synchronize',
    number: 1,
    pull_request: { number: 1, base: { sha: baseSha, ref: 'main' }, head: { sha: headSha, ref: 'pr' } },
    repository: { name: 'r', owner: { login: 'o' }, default_branch: 'main' },
  };
}
