import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildActionInto, prRepo, pullRequestPayload, runAction, type ActionRun, type PrRepo } from '../helpers/action-run.js';
import { BOT_LOGIN, fakeGitHub, type FakeGitHub } from '../helpers/github-server.js';
import type { Tree } from '../helpers/workspace.js';

const TOKEN = 'ghs_secretTokenValue123';

const PIPELINE = (min: number) => `stages:
  prepare:
    cmd: node prepare.mjs
    deps: [prepare.mjs]
    outs: [data.txt]
  train:
    cmd: node train.mjs
    deps: [train.mjs, data.txt]
    params: [train.recall, train.C]
    metrics:
      - metrics.json: {cache: false}
gates:
  recall: {min: ${min}}
`;

const BASE: Tree = {
  'pipeline.yaml': PIPELINE(0.7),
  'params.yaml': 'train:\n  recall: 0.8\n  C: 1\n',
  'prepare.mjs': "import { appendFileSync, writeFileSync } from 'node:fs';\nappendFileSync('runlog.txt', 'prepare\\n');\nwriteFileSync('data.txt', 'rows');\n",
  'train.mjs': [
    "import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';",
    "const recall = Number(/recall: ([\\d.]+)/.exec(readFileSync('params.yaml', 'utf8'))[1]);",
    "appendFileSync('runlog.txt', 'train\\n');",
    'console.log(`training for recall ${recall}`);',
    "writeFileSync('metrics.json', JSON.stringify({ recall, accuracy: 0.9 }));",
  ].join('\n'),
  'metrics.json': JSON.stringify({ recall: 0.8, accuracy: 0.9 }),
  '.gitignore': 'runlog.txt\n',
};
const params = (recall: number, C = 1) => ({ 'params.yaml': `train:\n  recall: ${recall}\n  C: ${C}\n` });

let bundleDir: string;
let bundle: string;
let gh: FakeGitHub;

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'lockstep-bundle-'));
  bundle = await buildActionInto(bundleDir);
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));
beforeEach(async () => {
  gh = await fakeGitHub();
});
afterEach(async () => {
  await gh.close();
});

function prRun(repo: PrRepo, inputs: Record<string, string> = {}, extra: Partial<ActionRun> = {}) {
  gh.prHeadSha = repo.headSha;
  return runAction({
    bundle,
    cwd: repo.checkout(),
    apiUrl: gh.url,
    eventName: 'pull_request',
    payload: pullRequestPayload(repo.baseSha, repo.headSha),
    inputs,
    ...extra,
  });
}

const errorLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::error'));

describe('the GitHub Action (bundled, run as the runner does)', () => {
  it('fails the step on a recall drop, after writing the summary and the sticky comment', async () => {
    const repo = prRepo(BASE, params(0.62, 0.5));
    const r = await prRun(repo);
    expect(r.exitCode).toBe(1);
    // One annotation per failed gate, pointing at the metrics file; then the step's failure.
    const errors = errorLines(r.stdout);
    expect(errors[0]).toMatch(/^::error title=lockstep gate,file=metrics\.json::gate recall >= 0\.7 failed/);
    expect(errors.at(-1)).toContain('gate failed: recall >= 0.7');
    // The checkout is shallow: the base commit had to be fetched.
    expect(r.stdout).toContain(`git fetch --no-tags --depth=1 origin ${repo.baseSha}`);
    expect(r.stdout).toContain('::group::stage train');
    expect(r.stdout).toContain('training for recall 0.62');
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'stages-ran': '2' });
    expect(JSON.parse(readFileSync(r.outputs.report!, 'utf8'))).toMatchObject({ verdict: 'fail', baseSha: repo.baseSha, headSha: repo.headSha });

    expect(r.summary).toContain('## ❌ lockstep: gate failed: recall >= 0.7');
    expect(r.summary).toContain('| recall | 0.8 | 0.62 | -0.18 | -22.5% | >= 0.7 | ❌ |');
    expect(r.summary).toContain('- `train.C`: `1` → `0.5`');
    expect(r.summary).toMatch(/2 ran \(prepare \d+(ms|\.\ds), train \d+(ms|\.\ds)\)/);
    expect(r.summary).toContain('class s_train ran');
    expect(r.summary).toContain(`Compared \`${repo.baseSha.slice(0, 7)}\` (base) → \`${repo.headSha.slice(0, 7)}\` (PR) · [workflow run](https://github.test/o/r/actions/runs/42)`);

    expect(gh.writes()).toEqual(['POST /repos/o/r/issues/1/comments']);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body.split('\n')[0]).toBe('<!-- lockstep-comment: lockstep -->');
    expect(gh.comments[0]!.body).toContain('| recall | 0.8 | 0.62 |');
    expect(r.outputs['comment-url']).toBe(gh.comments[0]!.html_url);
    for (const text of [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs), gh.comments[0]!.body]) expect(text).not.toContain(TOKEN);
  });

  it('updates its one comment on the next run and writes nothing when a rerun says the same', async () => {
    const repo = prRepo(BASE, params(0.75));
    const human = gh.addComment('<!-- lockstep-comment: lockstep -->\nI pasted the marker', 'alice');
    expect((await prRun(repo)).exitCode).toBe(0);
    expect(gh.comments).toHaveLength(2);
    const mine = gh.comments[1]!;
    expect(mine.user.login).toBe(BOT_LOGIN);

    const rerun = await prRun(repo);
    expect(rerun.exitCode).toBe(0);
    expect(rerun.stdout).toContain('comment unchanged');
    expect(gh.writes()).toEqual(['POST /repos/o/r/issues/1/comments']);

    const next = prRepo(BASE, params(0.71));
    const r = await prRun(next);
    expect(r.exitCode).toBe(0);
    expect(gh.writes()).toEqual(['POST /repos/o/r/issues/1/comments', `PATCH /repos/o/r/issues/comments/${mine.id}`]);
    expect(gh.comments).toHaveLength(2);
    expect(mine.body).toContain('| recall | 0.8 | 0.71 |');
    expect(human.body).toBe('<!-- lockstep-comment: lockstep -->\nI pasted the marker');
  });

  it('finds its comment among more than 100 others (every page is read)', async () => {
    for (let i = 0; i < 130; i++) gh.addComment(`comment ${i}`, i % 2 ? 'alice' : BOT_LOGIN);
    const old = gh.addComment('<!-- lockstep-comment: lockstep -->\nold report');
    for (let i = 0; i < 40; i++) gh.addComment(`later ${i}`, 'bob');
    const r = await prRun(prRepo(BASE, params(0.5)));
    expect(r.exitCode).toBe(1);
    expect(gh.requests.filter((q) => q.startsWith('GET /repos/o/r/issues/1/comments'))).toEqual([
      'GET /repos/o/r/issues/1/comments?per_page=100',
      'GET /repos/o/r/issues/1/comments?per_page=100&page=2',
    ]);
    expect(gh.writes()).toEqual([`PATCH /repos/o/r/issues/comments/${old.id}`]);
    expect(old.body).toContain('0.5');
  });

  it('a wildcard gate shows each matching metric as its own row; one that matches nothing fails closed (issue 15)', async () => {
    const sliced: Tree = {
      ...BASE,
      'train.mjs': [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        "const recall = Number(/recall: ([\\d.]+)/.exec(readFileSync('params.yaml', 'utf8'))[1]);",
        "writeFileSync('metrics.json', JSON.stringify({ recall: 0.8, slices: { 'dept=HR': { recall }, 'dept=Sales': { recall: 0.8 } } }));",
      ].join('\n'),
      'metrics.json': JSON.stringify({ recall: 0.8, slices: { 'dept=HR': { recall: 0.8 }, 'dept=Sales': { recall: 0.8 } } }),
    };
    const r = await prRun(prRepo(sliced, params(0.5)), { gates: 'slices.*.recall >= 0.6\nslices.*.recall:drop <= 0.05\nslices.*.f1 >= 0.5' });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('| slices.dept=HR.recall | 0.8 | 0.5 | -0.3 | -37.5% | >= 0.6, drop &lt;= 0.05 | ❌ |');
    expect(r.summary).toContain('| slices.dept=Sales.recall | 0.8 | 0.8 | 0 | 0% | >= 0.6, drop &lt;= 0.05 | ✅ |');
    expect(r.summary).toContain('| slices.*.f1 | - | - |  |  | >= 0.5 | ❌ |');
    expect(r.summary).toContain('- ❌ slices.*.f1 >= 0.5: no metric matches slices.*.f1 in any metrics file');
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as { gates: { metric: string; status: string }[] };
    expect(report.gates.map((g) => [g.metric, g.status])).toEqual([
      ['recall', 'pass'],
      ['slices.dept=HR.recall', 'fail'],
      ['slices.dept=Sales.recall', 'pass'],
      ['slices.dept=HR.recall', 'fail'],
      ['slices.dept=Sales.recall', 'pass'],
      ['slices.*.f1', 'fail'],
    ]);
  });

  it('applies the base revision\'s gates to a pull request that loosens them, and says so', async () => {
    const r = await prRun(prRepo(BASE, { ...params(0.62), 'pipeline.yaml': PIPELINE(0.5) }));
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('This pull request changes a gate');
    expect(r.summary).toContain('| recall | 0.8 | 0.62 | -0.18 | -22.5% | >= 0.7 | ❌ |');
    expect(r.stdout).toMatch(/::warning::this change edits a gate/);
  });

  it('refuses pull_request_target before any stage runs', async () => {
    const repo = prRepo(BASE, params(0.9));
    const cwd = repo.checkout();
    const r = await runAction({ bundle, cwd, apiUrl: gh.url, eventName: 'pull_request_target', payload: pullRequestPayload(repo.baseSha, repo.headSha), inputs: {} });
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stdout)).toHaveLength(1);
    expect(errorLines(r.stdout)[0]).toMatch(/refuses to run on pull_request_target.*workflow_run/);
    expect(existsSync(join(cwd, 'runlog.txt'))).toBe(false);
    expect(r.summary).toContain('pull_request_target');
    expect(gh.requests).toEqual([]);
  });

  it('turns a 403 on the comment into a warning with the fix; the gates decide the exit code', async () => {
    gh.failStatus = 403;
    const r = await prRun(prRepo(BASE, params(0.9)));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/::warning::lockstep could not write the pull request comment \(403.*permissions: pull-requests: write/);
    expect(r.outputs.verdict).toBe('pass');
    expect(r.summary).toContain('## ✅ lockstep: the gate passed');
  });

  it('a GitHub server error on the comment is a warning too', async () => {
    gh.failStatus = 502;
    const r = await prRun(prRepo(BASE, params(0.9)));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/::warning::lockstep could not write the pull request comment \(HTTP 502/);
  });

  it('cuts a comment over 65,536 characters and points at the job summary', async () => {
    const many = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`metric_${i}`, i]));
    const repo = prRepo(BASE, { 'train.mjs': `import { writeFileSync } from 'node:fs';\nwriteFileSync('metrics.json', JSON.stringify({ recall: 0.75, ...${JSON.stringify(many)} }));\n` });
    const r = await prRun(repo);
    expect(r.exitCode).toBe(0);
    const body = gh.comments[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('the whole report is in [the job summary](https://github.test/o/r/actions/runs/42)');
    expect(r.summary.length).toBeGreaterThan(65_536);
  });

  it('mode report then mode comment: renders the report from data and posts only for the tested head', async () => {
    const repo = prRepo(BASE, params(0.6));
    const reportDir = mkdtempSync(join(tmpdir(), 'lockstep-artifact-'));
    try {
      const report = await prRun(repo, { mode: 'report', 'report-dir': reportDir });
      expect(report.exitCode).toBe(1);
      expect(gh.requests).toEqual([]);
      expect(readFileSync(join(reportDir, 'report.md'), 'utf8')).toContain('| recall | 0.8 | 0.6 |');

      const commentRun = (headSha: string) =>
        runAction({
          bundle,
          cwd: mkdtempSync(join(tmpdir(), 'lockstep-empty-')),
          apiUrl: gh.url,
          eventName: 'workflow_run',
          payload: { workflow_run: { head_sha: headSha, pull_requests: [] }, repository: { name: 'r', owner: { login: 'o' } } },
          inputs: { mode: 'comment', 'report-dir': reportDir },
        });
      const stale = await commentRun('f'.repeat(40));
      expect(stale.exitCode).toBe(1);
      expect(errorLines(stale.stdout)[0]).toContain('refusing to comment');
      expect(gh.writes()).toEqual([]);

      const posted = await commentRun(repo.headSha);
      expect(posted.exitCode).toBe(0);
      expect(gh.writes()).toEqual(['POST /repos/o/r/issues/1/comments']);
      expect(gh.comments[0]!.body).toContain('| recall | 0.8 | 0.6 |');
      expect(posted.outputs.verdict).toBe('fail');
    } finally {
      rmSync(reportDir, { recursive: true, force: true });
    }
  });

  it('a failing stage fails the step after the summary and the comment say so', async () => {
    const r = await prRun(prRepo(BASE, { 'train.mjs': "console.log('diverged');\nprocess.exit(3);\n" }));
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('## ❌ lockstep: stage failed: train; gate failed: recall >= 0.7');
    expect(r.summary).toMatch(/1 failed \(train \d+/);
    expect(gh.comments[0]!.body).toContain('stage failed: train');
    expect(errorLines(r.stdout).at(-1)).toContain('stage failed: train');
    expect(r.outputs.verdict).toBe('fail');
  });

  it('on a push: the job summary only, no comment and no API call', async () => {
    const repo = prRepo(BASE, params(0.75));
    const r = await runAction({
      bundle,
      cwd: repo.checkout(),
      apiUrl: gh.url,
      eventName: 'push',
      payload: { ref: 'refs/heads/pr', repository: { name: 'r', owner: { login: 'o' }, default_branch: 'main' } },
      inputs: {},
      sha: repo.headSha,
    });
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain('| recall | - | 0.75 |');
    expect(gh.requests).toEqual([]);
  });

  it('comment: auto creates no comment when nothing changed; always does', async () => {
    const repo = prRepo(BASE, { 'README.md': 'docs only' });
    expect((await prRun(repo)).exitCode).toBe(0);
    expect(gh.writes()).toEqual([]);
    const r = await prRun(repo, { comment: 'always' });
    expect(r.exitCode).toBe(0);
    expect(gh.writes()).toEqual(['POST /repos/o/r/issues/1/comments']);
    expect(gh.comments[0]!.body).toContain('## ✅ lockstep: the gate passed');
  });

  it('a metric name written by the PR cannot put links, images or mentions into the comment', async () => {
    const evil = '![pixel](https://evil.test/p.png) [click](https://evil.test) @o/admins `x` | y';
    const train = BASE['train.mjs']!.replace('JSON.stringify({ recall, accuracy: 0.9 })', `JSON.stringify({ recall, accuracy: 0.9, ${JSON.stringify(evil)}: 1 })`);
    const r = await prRun(prRepo(BASE, { 'train.mjs': train }), { comment: 'always' });
    expect(r.exitCode, r.stdout).toBe(0);
    const body = gh.comments[0]!.body;
    expect(body).toContain(String.raw`!\[pixel\](https://evil.test/p.png)`);
    expect(body).not.toMatch(/(^|[^\\])\[(pixel|click)\]\(/);
    expect(body).not.toContain('@o/admins');
    expect(body).toContain('@\u200bo/admins');
    expect(body).toContain('\\| y');
  });

  it('with a remote: a push to the default branch shares the results; a pull request then restores instead of running', async () => {
    const store = mkdtempSync(join(tmpdir(), 'lockstep-action-remote-'));
    try {
      const config = { '.lockstep/config.yaml': `remote: shared\nremotes:\n  shared: {url: ${store}}\n` };
      const repo = prRepo({ ...BASE, ...config }, params(0.75));
      const onMain = await runAction({
        bundle,
        cwd: repo.checkout(),
        apiUrl: gh.url,
        eventName: 'push',
        payload: { ref: 'refs/heads/main', repository: { name: 'r', owner: { login: 'o' }, default_branch: 'main' } },
        inputs: {},
        sha: repo.headSha,
        env: { GITHUB_REF: 'refs/heads/main' },
      });
      expect(onMain.exitCode, onMain.stdout).toBe(0);
      expect(onMain.stdout).toMatch(/pushed to 'shared': [1-9]\d* uploaded/);
      expect(existsSync(join(store, 'runs'))).toBe(true);
      const checkout = repo.checkout();
      const r = await prRun(repo, {}, { cwd: checkout });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/pulled from 'shared'/);
      expect(r.stdout).not.toContain('pushed to');
      expect(r.stdout).toMatch(/Stage 'train' restored from/);
      expect(existsSync(join(checkout, 'runlog.txt'))).toBe(false);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('working-directory in a subfolder: the repository root keeps the state and its config names the remote', async () => {
    const store = mkdtempSync(join(tmpdir(), 'lockstep-action-remote-'));
    const inMl = (tree: Tree) => Object.fromEntries(Object.entries(tree).map(([path, text]) => [`ml/${path}`, text]));
    try {
      const config = { '.lockstep/config.yaml': `remote: shared\nremotes:\n  shared: {url: ${store}}\n` };
      const repo = prRepo({ ...inMl(BASE), ...config }, inMl(params(0.75)));
      const main = repo.checkout();
      const onMain = await runAction({
        bundle,
        cwd: main,
        apiUrl: gh.url,
        eventName: 'push',
        payload: { ref: 'refs/heads/main', repository: { name: 'r', owner: { login: 'o' }, default_branch: 'main' } },
        inputs: { 'working-directory': 'ml' },
        sha: repo.headSha,
        env: { GITHUB_REF: 'refs/heads/main' },
      });
      expect(onMain.exitCode, onMain.stdout).toBe(0);
      expect(onMain.stdout).toMatch(/pushed to 'shared': [1-9]\d* uploaded/);
      expect(existsSync(join(main, '.lockstep/cache/runs'))).toBe(true);
      expect(existsSync(join(main, 'ml/.lockstep'))).toBe(false);
      const checkout = repo.checkout();
      const r = await prRun(repo, { 'working-directory': 'ml' }, { cwd: checkout });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/Stage 'train' restored from/);
      expect(existsSync(join(checkout, 'ml/runlog.txt'))).toBe(false);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('pull: true with no remote configured warns and runs the stages, as the warning says', async () => {
    const r = await prRun(prRepo(BASE, params(0.75)), { pull: 'true' });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/::warning::pull from the remote cache failed \(no remote is configured\)/);
    expect(r.stdout).toContain('training for recall 0.75');
  });

  it('a remote that cannot be reached is a warning: the stages run and the gates decide', async () => {
    const config = { '.lockstep/config.yaml': 'remote: shared\nremotes:\n  shared: {url: s3://bucket/x, endpoint: "http://127.0.0.1:9", region: us-east-1}\n' };
    const r = await prRun(prRepo({ ...BASE, ...config }, params(0.75)), {}, { env: { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_MAX_ATTEMPTS: '1' } });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/::warning::(pull from the remote cache|.*remote)/);
    expect(r.stdout).toContain('training for recall 0.75');
  });

  it('a directory remote whose folder is missing (a runner without the share mounted) is a warning naming the path; the stages run without it', async () => {
    const missing = join(tmpdir(), `lockstep-not-mounted-${process.pid}`);
    const config = { '.lockstep/config.yaml': `remote: shared\nremotes:\n  shared: {url: ${missing}}\n` };
    const r = await prRun(prRepo({ ...BASE, ...config }, params(0.75)), {});
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain(`::warning::pull from the remote cache failed (remote 'shared' (${missing}): directory does not exist: ${missing}); the stages run without it`);
    expect(r.stdout).not.toContain('::error::');
    expect(r.stdout).toContain('training for recall 0.75');
    expect(existsSync(missing)).toBe(false);
  });

  it('fetches a baseline named by branch into a shallow clone', async () => {
    const repo = prRepo(BASE, params(0.75));
    const r = await prRun(repo, { baseline: 'main' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('git fetch --no-tags --depth=1 origin main');
    expect(r.summary).toContain('| recall | 0.8 | 0.75 |');
    expect(r.summary).toContain(`Compared \`${repo.baseSha.slice(0, 7)}\` (base)`);
  });

  it('command: status says what would run and runs nothing', async () => {
    const repo = prRepo(BASE, params(0.75));
    const r = await prRun(repo, { command: 'status' });
    expect(r.summary).toContain('**Stages**: 2 would run (prepare, train)');
    expect(r.outputs['stages-ran']).toBe('0');
  });

  it('a drop gate fails closed when the base commit\'s cached metrics are not on this runner (issue 16 item 8)', async () => {
    const baseMetrics = JSON.stringify({ recall: 0.8 });
    const cached: Tree = {
      '.gitignore': 'runlog.txt\nm.json\n',
      'in.txt': '0.8',
      'eval.mjs': "import { readFileSync, writeFileSync } from 'node:fs';\nwriteFileSync('m.json', JSON.stringify({ recall: Number(readFileSync('in.txt', 'utf8')) }));\n",
      'pipeline.yaml': 'stages:\n  eval:\n    cmd: node eval.mjs\n    deps: [in.txt, eval.mjs]\n    metrics:\n      - m.json: {cache: true}\ngates:\n  recall: {max_drop: 0.05}\n',
      // What the base's repro committed: the digest of its m.json, whose bytes only a cache would have.
      'pipeline.lock': `version: 1\nstages:\n  eval:\n    cmd: node eval.mjs\n    outs:\n      - {path: m.json, sha256: ${createHash('sha256').update(baseMetrics).digest('hex')}, size: ${baseMetrics.length}}\n`,
    };
    const r = await prRun(prRepo(cached, { 'in.txt': '0.79' }));
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stdout)[0]).toMatch(/gate recall drop <= 0\.05 failed: baseline m\.json cannot be read: its cached copy \([0-9a-f]{8}, from pipeline\.lock at [0-9a-f]{40}\) is not in the local cache \(bring/);
    expect(r.summary).toContain('baseline m.json cannot be read');
  });

  describe('bad input: one error annotation, exit 1, no stack, and the summary says what happened', () => {
    const expectCleanFailure = (r: { exitCode: number; stdout: string; stderr: string; summary: string }, message: RegExp) => {
      expect(r.exitCode).toBe(1);
      const errors = errorLines(r.stdout);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
      expect(r.summary).toMatch(new RegExp(`## ❌ lockstep: .*${message.source}`));
    };

    it('an invalid input value', async () => {
      const r = await prRun(prRepo(BASE, params(0.9)), { comment: 'sometimes' });
      expectCleanFailure(r, /input comment is 'sometimes': use one of auto, always, never/);
    });

    it('a missing pipeline file', async () => {
      const r = await prRun(prRepo(BASE, { 'sub/README.md': 'no pipeline here' }), { 'working-directory': 'sub' });
      expectCleanFailure(r, /no pipeline\.yaml in \S+sub/);
    });

    it('an unparsable metrics file', async () => {
      const repo = prRepo(BASE, { 'train.mjs': "import { writeFileSync } from 'node:fs';\nwriteFileSync('metrics.json', '{ not json');\n" });
      const r = await prRun(repo);
      expectCleanFailure(r, /metrics file metrics\.json:1:\d+: /);
    });

    it('a baseline that cannot be fetched', async () => {
      const r = await prRun(prRepo(BASE, params(0.9)), { baseline: 'a'.repeat(40) });
      expectCleanFailure(r, /the baseline a{40} cannot be fetched from origin/);
    });
  });
});
