import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { UsageError } from '../errors.js';
import { parseGateExpression } from '../metrics/gate.js';
import { COMMANDS, COMMENT_POLICIES, DEFAULT_COMMENT_KEY, DEFAULT_PRECISION, DEFAULT_REPORT_DIR_NAME, Inputs, MODES, SWITCHES } from './constants.js';

export type Switch = (typeof SWITCHES)[number];

export interface ActionInputs {
  command: (typeof COMMANDS)[number];
  /** Absolute. */
  workingDirectory: string;
  pull: Switch;
  push: Switch;
  baseline?: string;
  /** Extra gate expressions, already checked to parse. */
  gates: string[];
  /** `base`, `head` or a revision; undefined picks `base` on pull requests and `head` elsewhere. */
  gatesFrom?: string;
  comment: (typeof COMMENT_POLICIES)[number];
  commentKey: string;
  token: string;
  allowPullRequestTarget: boolean;
  mode: (typeof MODES)[number];
  /** Absolute: where the report JSON and markdown are written (`mode: comment` reads them from here). */
  reportDir: string;
  precision: number;
}

/**
 * Reads and checks every input, reporting all problems at once: a typo in one input must not surface
 * only after the pipeline ran for ten minutes.
 */
export function readInputs(): ActionInputs {
  const problems: string[] = [];
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = core.getInput(name).trim() || fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`input ${name} is '${raw}': use one of ${allowed.join(', ')}`);
    return fallback;
  };
  const optional = (name: string) => core.getInput(name).trim() || undefined;

  const workspaceRoot = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const workingDirectory = resolve(workspaceRoot, optional(Inputs.workingDirectory) ?? '.');
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) {
    problems.push(`input ${Inputs.workingDirectory}: ${workingDirectory} is not a directory`);
  }

  const gates = core.getMultilineInput(Inputs.gates).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const g of gates) {
    const parsed = parseGateExpression(g);
    if ('error' in parsed) problems.push(`input ${Inputs.gates}: ${parsed.error}`);
  }

  const commentKey = optional(Inputs.commentKey) ?? DEFAULT_COMMENT_KEY;
  if (!/^[A-Za-z0-9._-]+$/.test(commentKey)) problems.push(`input ${Inputs.commentKey} is '${commentKey}': use letters, digits, '.', '_' and '-'`);

  const allowRaw = optional(Inputs.allowPullRequestTarget) ?? 'false';
  if (allowRaw !== 'true' && allowRaw !== 'false') problems.push(`input ${Inputs.allowPullRequestTarget} is '${allowRaw}': use true or false`);

  const precisionRaw = optional(Inputs.precision) ?? String(DEFAULT_PRECISION);
  const precision = Number(precisionRaw);
  if (!Number.isInteger(precision) || precision < 0 || precision > 15) problems.push(`input ${Inputs.precision} is '${precisionRaw}': use a whole number from 0 to 15`);

  const inputs: ActionInputs = {
    command: oneOf(Inputs.command, COMMANDS, 'repro'),
    workingDirectory,
    pull: oneOf(Inputs.pull, SWITCHES, 'auto'),
    push: oneOf(Inputs.push, SWITCHES, 'auto'),
    gates,
    comment: oneOf(Inputs.comment, COMMENT_POLICIES, 'auto'),
    commentKey,
    token: core.getInput(Inputs.githubToken),
    allowPullRequestTarget: allowRaw === 'true',
    mode: oneOf(Inputs.mode, MODES, 'run'),
    reportDir: resolve(workspaceRoot, optional(Inputs.reportDir) ?? join(process.env.RUNNER_TEMP ?? tmpdir(), DEFAULT_REPORT_DIR_NAME)),
    precision,
  };
  const baseline = optional(Inputs.baseline);
  if (baseline) inputs.baseline = baseline;
  const gatesFrom = optional(Inputs.gatesFrom);
  if (gatesFrom) inputs.gatesFrom = gatesFrom;
  if (problems.length) {
    throw new UsageError(problems.join('\n'), { hint: 'fix the with: block of the lockstep step (inputs are listed in action.yml)' });
  }
  return inputs;
}
