import * as github from '@actions/github';

/** What the Action needs to know about the workflow event that started it. */
export interface RunEvent {
  name: string;
  owner: string;
  repo: string;
  pullRequest?: { number: number; baseSha: string; headSha: string };
  /** The commit the run is about: the PR's head, else the pushed commit. */
  headSha?: string;
  /** A push to the repository's default branch (where `push: auto` uploads to the remote). */
  defaultBranchPush: boolean;
  runUrl?: string;
  /** `workflow_run` events: the head commit of the run that triggered this one. */
  workflowRunHeadSha?: string;
  /** `workflow_run` events: the page of the run that triggered this one. */
  workflowRunUrl?: string;
}

interface PullRequestPayload {
  number: number;
  base: { sha: string };
  head: { sha: string };
}

export function readEvent(): RunEvent {
  const ctx = github.context;
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  const pr = ctx.payload.pull_request as PullRequestPayload | undefined;
  const defaultBranch = (ctx.payload.repository as { default_branch?: string } | undefined)?.default_branch;
  const event: RunEvent = {
    name: ctx.eventName,
    owner,
    repo,
    defaultBranchPush: ctx.eventName === 'push' && defaultBranch !== undefined && ctx.ref === `refs/heads/${defaultBranch}`,
  };
  if (pr) event.pullRequest = { number: pr.number, baseSha: pr.base.sha, headSha: pr.head.sha };
  const head = pr?.head.sha ?? process.env.GITHUB_SHA;
  if (head) event.headSha = head;
  if (process.env.GITHUB_RUN_ID && owner) event.runUrl = `${ctx.serverUrl}/${owner}/${repo}/actions/runs/${ctx.runId}`;
  const workflowRun = ctx.payload.workflow_run as { head_sha?: string; html_url?: string } | undefined;
  if (workflowRun?.head_sha) event.workflowRunHeadSha = workflowRun.head_sha;
  if (workflowRun?.html_url?.startsWith(`${ctx.serverUrl}/`)) event.workflowRunUrl = workflowRun.html_url;
  return event;
}
