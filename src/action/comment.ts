import type * as github from '@actions/github';
import type { Reporter } from '../log.js';
import { COMMENT_LIMIT, COMMENTS_PER_PAGE } from './constants.js';

type Octokit = ReturnType<typeof github.getOctokit>;

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export type CommentOutcome = { action: 'created' | 'updated' | 'unchanged'; url: string } | { action: 'not-created' | 'failed' };

/**
 * Keeps a body under GitHub's comment limit: cut at a line, close an open code fence, and point at the
 * job summary, which always has the whole report.
 */
export function truncateComment(body: string, summaryUrl: string | undefined, limit = COMMENT_LIMIT): string {
  if (body.length <= limit) return body;
  const notice = `\n\n… the report is too long for a comment and was cut here; the whole report is in ${summaryUrl ? `[the job summary](${summaryUrl})` : 'the job summary'}.\n`;
  let cut = body.slice(0, limit - notice.length - 8);
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  if ((cut.match(/^```/gm) ?? []).length % 2 === 1) cut += '\n```';
  return cut + notice;
}

/** The login of the token's owner. REST `GET /user` refuses the workflow token; GraphQL's viewer does not. */
async function ownLogin(octokit: Octokit): Promise<string> {
  const r = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
  return r.viewer.login;
}

const statusOf = (err: unknown) => (typeof err === 'object' && err !== null && 'status' in err ? (err as { status: unknown }).status : undefined);

/**
 * One comment per pull request and key: found by the marker on its first line among the comments this
 * token's identity wrote (a human's comment quoting the marker is never edited), across every page of
 * comments; updated in place, created only when `create` allows, and not written at all when unchanged.
 * A 403 is a warning with the fix: the gates, not the comment, decide the outcome of the step.
 */
export async function upsertComment(
  octokit: Octokit,
  target: CommentTarget,
  marker: string,
  /** The digest line of `body`: an existing comment with the same one says the same thing. */
  digestLine: string,
  body: string,
  create: boolean,
  reporter: Reporter,
  /** `mode: comment` (a workflow_run job): the fork advice does not apply, and the gates do not decide the exit. */
  commentMode = false,
): Promise<CommentOutcome> {
  try {
    const login = await ownLogin(octokit);
    // GraphQL names bots without the `[bot]` suffix that REST adds (github-actions vs github-actions[bot]).
    const mine = (user: { login: string } | null | undefined) => user?.login === login || user?.login === `${login}[bot]`;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      per_page: COMMENTS_PER_PAGE,
    });
    const existing = comments.find((c) => mine(c.user) && (c.body ?? '').split('\n', 1)[0]!.trim() === marker);
    if (existing) {
      if (existing.body === body || (existing.body ?? '').split('\n', 2)[1] === digestLine) {
        reporter.info(`comment unchanged: ${existing.html_url}`);
        return { action: 'unchanged', url: existing.html_url };
      }
      const r = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
      reporter.info(`comment updated: ${r.data.html_url}`);
      return { action: 'updated', url: r.data.html_url };
    }
    if (!create) {
      reporter.info('no comment written: nothing changed and no gate failed (comment: always writes one anyway)');
      return { action: 'not-created' };
    }
    const r = await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body });
    reporter.info(`comment created: ${r.data.html_url}`);
    return { action: 'created', url: r.data.html_url };
  } catch (err) {
    const status = statusOf(err);
    if (typeof status !== 'number') throw err;
    if (status === 403) {
      const fix = `lockstep could not write the pull request comment (403: ${(err as Error).message}). Give the job \`permissions: pull-requests: write\`.`;
      reporter.warn(
        commentMode
          ? `${fix} The job summary has the full report.`
          : `${fix} Pull requests from forks always get a read-only token: for them use the two-workflow mode (mode: report, then mode: comment in a workflow_run job). ` +
              'The job summary has the full report, and the gates alone decide whether this step fails.',
      );
    } else {
      // GitHub having a bad minute must not fail a build whose gates passed.
      reporter.warn(`lockstep could not write the pull request comment (HTTP ${status}: ${(err as Error).message}); the job summary has the full report`);
    }
    return { action: 'failed' };
  }
}
