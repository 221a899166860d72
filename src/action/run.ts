import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { isLockstepError, LockstepError } from '../errors.js';
import { truncateComment, upsertComment, type CommentOutcome } from './comment.js';
import { commentDigest, commentMarker, DEFAULT_PRECISION, Outputs, REPORT_JSON, REPORT_MD } from './constants.js';
import { readEvent, type RunEvent } from './event.js';
import { readInputs, type ActionInputs } from './inputs.js';
import { emptyReport, errorOf, produceReport } from './produce-report.js';
import { firstFew, renderReport, stageProblem } from './render.js';
import { readReport, type ActionReport } from './report.js';
import { actionsReporter, type ActionsReporter } from './reporter.js';
import { writeSummary } from './summary.js';

/** One error annotation for the failure, with its hint, and exit code 1. */
function failWith({ message, hint }: NonNullable<ActionReport['error']>): void {
  core.setFailed(hint ? `${message} (${hint})` : message);
}

/** A stack only for what lockstep did not expect. */
function fail(err: unknown): void {
  if (err instanceof Error && !isLockstepError(err)) core.setFailed(err.stack ?? err.message);
  else failWith(errorOf(err));
}

/** What the report says, without what changes on every run (durations, the run link). */
function reportDigest(r: ActionReport, precision: number): string {
  const { runUrl: _runUrl, ...rest } = r;
  const stable = { ...rest, precision, stages: r.stages.map((s) => ({ name: s.name, status: s.status })) };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}

/** A comment is created when there is something to say; an existing one is always kept current. */
function worthSaying(r: ActionReport): boolean {
  return r.verdict === 'fail' || r.gatesChanged || r.params.length > 0 || r.metrics.some((m) => m.base !== m.current);
}

async function comment(inputs: ActionInputs, event: RunEvent, report: ActionReport, reporter: ActionsReporter): Promise<CommentOutcome | undefined> {
  if (inputs.comment === 'never' || report.pullRequest === undefined) return undefined;
  if (!inputs.token) {
    reporter.warn('no github-token: the pull request comment was skipped (the job summary has the report)');
    return undefined;
  }
  const marker = commentMarker(inputs.commentKey);
  const digestLine = commentDigest(reportDigest(report, inputs.precision));
  const body = truncateComment(renderReport(report, { precision: inputs.precision, marker: [marker, digestLine] }), report.runUrl);
  const octokit = github.getOctokit(inputs.token);
  const target = { owner: event.owner, repo: event.repo, issueNumber: report.pullRequest };
  const create = inputs.comment === 'always' || worthSaying(report);
  return core.group('Pull request comment', () => upsertComment(octokit, target, marker, digestLine, body, create, reporter, inputs.mode === 'comment'));
}

/** Writes the report JSON and its markdown where `actions/upload-artifact` (and the `report` output) find them. */
function saveReport(dir: string, report: ActionReport, markdown: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, REPORT_JSON);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, REPORT_MD), markdown);
  return file;
}

/**
 * `mode: comment`, in a `workflow_run` job that holds a write token: the report comes from a run of
 * untrusted pull-request code, so it is only read as data, and only posted when the pull request's head is
 * still the commit that run tested.
 */
async function commentMode(inputs: ActionInputs, event: RunEvent, reporter: ActionsReporter): Promise<void> {
  // The run link comes from this event (GitHub's word for the run that made the report), never from the artifact.
  const { runUrl: _untrusted, ...fromArtifact } = readReport(inputs.reportDir);
  const report: ActionReport = { ...fromArtifact, ...(event.workflowRunUrl ? { runUrl: event.workflowRunUrl } : {}) };
  await writeSummary(renderReport(report, { precision: inputs.precision }), reporter);
  core.setOutput(Outputs.verdict, report.verdict);
  core.setOutput(Outputs.report, join(inputs.reportDir, REPORT_JSON));
  core.setOutput(Outputs.stagesRan, report.stages.filter((s) => s.status === 'ran').length);
  if (report.pullRequest === undefined) {
    reporter.info('the report is not about a pull request: nothing to comment on');
    return;
  }
  const expected = event.workflowRunHeadSha;
  if (!expected) {
    throw new LockstepError('E_COMMENT_REFUSED', `mode: comment needs a workflow_run event, not ${event.name}`, {
      hint: "run it in a job started by on: workflow_run: it compares that run's head commit with the pull request's",
    });
  }
  if (report.repository !== `${event.owner}/${event.repo}`) {
    throw new LockstepError('E_COMMENT_REFUSED', `the report is about ${report.repository ?? 'no repository'}, not ${event.owner}/${event.repo}: refusing to comment`);
  }
  const octokit = github.getOctokit(inputs.token);
  const pr = await octokit.rest.pulls.get({ owner: event.owner, repo: event.repo, pull_number: report.pullRequest });
  if (pr.data.head.sha !== expected || report.headSha !== expected) {
    throw new LockstepError(
      'E_COMMENT_REFUSED',
      `refusing to comment: pull request #${report.pullRequest} is at ${pr.data.head.sha.slice(0, 7)}, the run tested ${expected.slice(0, 7)} and the report names ${report.headSha?.slice(0, 7) ?? 'no commit'}`,
      { hint: 'a newer commit was pushed: its own run will comment' },
    );
  }
  const result = await comment(inputs, event, report, reporter);
  if (result && 'url' in result) core.setOutput(Outputs.commentUrl, result.url);
}

export async function run(): Promise<void> {
  const reporter = actionsReporter();
  const event = readEvent();
  let inputs: ActionInputs;
  try {
    inputs = readInputs();
  } catch (err) {
    fail(err);
    await writeSummary(renderReport({ ...emptyReport('repro', event), verdict: 'fail', error: errorOf(err) }, { precision: DEFAULT_PRECISION }), reporter);
    return;
  }
  if (event.name === 'pull_request_target' && !inputs.allowPullRequestTarget) {
    const error = {
      message: 'lockstep refuses to run on pull_request_target: that event runs with a write token and secrets, and repro would execute the pull request\'s code with them',
      hint: 'run on pull_request (with mode: report for forks) and post the comment from a workflow_run job with mode: comment; set allow-pull-request-target: true only if the workflow checks out trusted code',
    };
    failWith(error);
    await writeSummary(renderReport({ ...emptyReport(inputs.command, event), verdict: 'fail', error }, { precision: inputs.precision }), reporter);
    return;
  }
  try {
    if (inputs.mode === 'comment') {
      await commentMode(inputs, event, reporter);
      return;
    }
    const report = await produceReport(inputs, event, reporter);
    const markdown = renderReport(report, { precision: inputs.precision });
    core.setOutput(Outputs.report, saveReport(inputs.reportDir, report, markdown));
    core.setOutput(Outputs.verdict, report.verdict);
    core.setOutput(Outputs.stagesRan, report.stages.filter((s) => s.status === 'ran').length);
    await writeSummary(markdown, reporter);
    if (inputs.mode === 'run') {
      const result = await comment(inputs, event, report, reporter);
      if (result && 'url' in result) core.setOutput(Outputs.commentUrl, result.url);
    }
    if (report.error) failWith(report.error);
    else if (report.verdict === 'fail') core.setFailed(failureLine(report));
  } catch (err) {
    fail(err);
  }
}

/** The step's failure message: what failed, the failed stages first (usually why a gate found no metric). */
function failureLine(r: ActionReport): string {
  const gates = r.gates.filter((g) => g.status === 'fail').map((g) => `${g.metric} ${g.bound}`);
  return [stageProblem(r), gates.length ? `gate failed: ${firstFew(gates)}` : ''].filter(Boolean).join('; ');
}
