/** Every name the Action reads or writes on the runner, in one place (action.yml and the README list the same). */
export const Inputs = {
  command: 'command',
  workingDirectory: 'working-directory',
  pull: 'pull',
  push: 'push',
  baseline: 'baseline',
  gates: 'gates',
  gatesFrom: 'gates-from',
  comment: 'comment',
  commentKey: 'comment-key',
  githubToken: 'github-token',
  allowPullRequestTarget: 'allow-pull-request-target',
  mode: 'mode',
  reportDir: 'report-dir',
  precision: 'precision',
} as const;

export const Outputs = {
  verdict: 'verdict',
  report: 'report',
  stagesRan: 'stages-ran',
  commentUrl: 'comment-url',
} as const;

export const COMMANDS = ['repro', 'status', 'gate'] as const;
export const SWITCHES = ['auto', 'true', 'false'] as const;
export const COMMENT_POLICIES = ['auto', 'always', 'never'] as const;
export const MODES = ['run', 'report', 'comment'] as const;

/** `gates-from: base` means the baseline commit; `head` the checked-out workspace. */
export const GATES_FROM_BASE = 'base';
export const GATES_FROM_HEAD = 'head';

export const DEFAULT_COMMENT_KEY = 'lockstep';
export const DEFAULT_PRECISION = 4;
export const DEFAULT_REPORT_DIR_NAME = 'lockstep-report';
export const REPORT_JSON = 'report.json';
export const REPORT_MD = 'report.md';
/** Bumped when the report's shape changes: `mode: comment` refuses a report it cannot read. */
export const REPORT_VERSION = 1;

/** GitHub rejects comment bodies over 65,536 characters; stay under with room for the notice. */
export const COMMENT_LIMIT = 65_536;
export const COMMENTS_PER_PAGE = 100;

export const commentMarker = (key: string) => `<!-- lockstep-comment: ${key} -->`;
/** Second line of the comment: a digest of what the report says (durations and run link left out). */
export const commentDigest = (digest: string) => `<!-- lockstep-digest: ${digest} -->`;
