import { execaSync } from 'execa';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errnoCode, UsageError } from '../errors.js';
import { sha256Bytes } from '../hash/file-digest.js';
import { repoInfo, resolveRevision, tryReadAtRevision } from '../git/git.js';
import { emptyLock, parseLockText, readLock } from '../lock/lock-file.js';
import type { LockEntry, LockFile, LockedPath } from '../lock/types.js';
import { metricFiles, parseMetrics, type MetricsByFile } from '../metrics/read.js';
import type { Workspace } from '../run/workspace.js';
import { canonicalJson } from '../util/canonical-json.js';
import { jsonValue } from '../util/decimal-text.js';
import { isSameOrInside, toPosix } from '../util/paths.js';

export interface CommitInfo {
  sha: string;
  date: string;
  subject: string;
}

/** Which data, code, params and metrics produced a file. */
export interface LineageNode {
  path: string;
  sha256?: string;
  size?: number;
  nfiles?: number;
  /** stage: an out of a stage; data: added with `lockstep add`; git: committed; untracked: none of these. */
  source: 'stage' | 'data' | 'git' | 'untracked';
  /** Whether the workspace holds the content recorded here (undefined when nothing was recorded). */
  matchesWorkspace?: boolean;
  /** For files git tracks: the last commit that changed them. */
  commit?: CommitInfo;
  stage?: StageLineage;
  /** Described earlier in the tree (several stages read it). */
  seen?: boolean;
}

export interface StageLineage {
  name: string;
  cmd: string | string[];
  params: Record<string, Record<string, unknown>>;
  env: string[];
  /** The commit where this lock entry last changed; 'uncommitted' when the workspace lock differs from HEAD's; null outside git. */
  lockCommit: CommitInfo | 'uncommitted' | null;
  /** Metrics of this stage and of the stages that read its outs directly, as recorded with them. */
  metrics: MetricsByFile;
  deps: LineageNode[];
}

/** How far back to look for the commit that last changed a lock entry. */
const MAX_COMMITS = 200;

function git(root: string, args: string[]) {
  return execaSync('git', args, { cwd: root, reject: false, encoding: 'utf8', stripFinalNewline: true });
}

class LineageReader {
  private readonly seen = new Set<string>();
  private readonly metricPaths: Set<string>;
  private readonly lockName: string;
  private readonly inGit: boolean;
  private readonly locksAt = new Map<string, LockFile>();

  constructor(
    private readonly ws: Workspace,
    private readonly lock: LockFile,
    /** The commit the lock was read at; undefined for the workspace. */
    private readonly commit: string | undefined,
  ) {
    this.metricPaths = new Set(metricFiles(ws.pipeline).map((m) => m.path));
    this.lockName = toPosix(relative(ws.root, ws.pipeline.lockFile));
    this.inGit = git(ws.root, ['rev-parse', '--verify', '--quiet', 'HEAD']).exitCode === 0;
  }

  node(path: string, recorded: LockedPath | undefined): LineageNode {
    const producer = Object.entries(this.lock.stages).find(([, e]) => e.outs.some((o) => isSameOrInside(path, o.path)));
    const data = this.lock.data?.find((d) => isSameOrInside(path, d.path));
    const locked = recorded ?? producer?.[1].outs.find((o) => isSameOrInside(path, o.path)) ?? data;
    const node: LineageNode = {
      path,
      source: producer ? 'stage' : data ? 'data' : this.tracked(path) ? 'git' : 'untracked',
      ...(locked ? { sha256: locked.sha256, size: locked.size, ...(locked.nfiles === undefined ? {} : { nfiles: locked.nfiles }) } : {}),
    };
    if (locked && locked.path === path) node.matchesWorkspace = this.ws.hasher.tryDigest(path)?.sha256 === locked.sha256;
    if (node.source === 'git') {
      const commit = this.lastCommit(['--', this.gitPath(path)]);
      if (commit) node.commit = commit;
    }
    if (!producer) return node;
    if (this.seen.has(producer[0])) return { ...node, seen: true };
    this.seen.add(producer[0]);
    node.stage = this.stage(producer[0], producer[1]);
    return node;
  }

  private stage(name: string, entry: LockEntry): StageLineage {
    return {
      name,
      cmd: entry.cmd,
      params: jsonValue(entry.params) as Record<string, Record<string, unknown>>,
      env: Object.keys(entry.env),
      lockCommit: this.lockCommit(name, entry),
      metrics: this.metrics(name, entry),
      deps: entry.deps.map((d) => this.node(d.path, d)),
    };
  }

  /** The stage's own metrics outs and those of stages reading its outs, read by the digest the lock recorded. */
  private metrics(name: string, entry: LockEntry): MetricsByFile {
    const readers = Object.entries(this.lock.stages).filter(([, e]) => e.deps.some((d) => entry.outs.some((o) => isSameOrInside(d.path, o.path))));
    const out: MetricsByFile = {};
    for (const [, e] of [[name, entry] as const, ...readers]) {
      for (const o of e.outs) {
        if (!this.metricPaths.has(o.path)) continue;
        const text = this.contentOf(o);
        if (text !== undefined) out[o.path] = parseMetrics(text, o.path);
      }
    }
    return out;
  }

  /** A file's recorded content: from the cache, the revision, or the workspace, whichever has those bytes. */
  private contentOf(locked: LockedPath): string | undefined {
    const candidates = [
      () => readFileSync(this.ws.objects.pathOf(locked.sha256), 'utf8'),
      () => (this.commit ? tryReadAtRevision(this.ws.root, this.commit, locked.path) : undefined),
      () => readFileSync(join(this.ws.root, locked.path), 'utf8'),
    ];
    for (const read of candidates) {
      try {
        const text = read();
        if (text !== undefined && sha256Bytes(text) === locked.sha256) return text;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'EISDIR') throw err;
      }
    }
    return undefined;
  }

  private tracked(path: string): boolean {
    if (!this.inGit) return false;
    if (this.commit) return git(this.ws.root, ['cat-file', '-e', `${this.commit}:${this.gitPath(path)}`]).exitCode === 0;
    return git(this.ws.root, ['ls-files', '--error-unmatch', '--', path]).exitCode === 0;
  }

  private gitPath(path: string): string {
    return `${repoInfo(this.ws.root).prefix}${path}`;
  }

  private lastCommit(args: string[], from = this.commit ?? 'HEAD'): CommitInfo | undefined {
    const r = git(this.ws.root, ['log', '-1', '--format=%H%x00%cI%x00%s', from, ...args]);
    if (r.exitCode !== 0 || !r.stdout) return undefined;
    const [sha, date, subject] = r.stdout.split('\0') as [string, string, string];
    return { sha, date, subject };
  }

  private lockAt(commit: string): LockFile {
    let lock = this.locksAt.get(commit);
    if (!lock) {
      const text = tryReadAtRevision(this.ws.root, commit, this.lockName);
      lock = text === undefined ? emptyLock() : parseLockText(text, `${this.lockName}@${commit.slice(0, 7)}`);
      this.locksAt.set(commit, lock);
    }
    return lock;
  }

  /** The oldest commit of the newest run of commits whose lock holds this very entry. */
  private lockCommit(name: string, entry: LockEntry): CommitInfo | 'uncommitted' | null {
    if (!this.inGit) return null;
    const same = (e: LockEntry | undefined) => e !== undefined && canonicalJson(jsonValue(e)) === canonicalJson(jsonValue(entry));
    const from = this.commit ?? 'HEAD';
    if (!this.commit && !same(this.lockAt(git(this.ws.root, ['rev-parse', 'HEAD']).stdout).stages[name])) return 'uncommitted';
    const commits = git(this.ws.root, ['log', `-${MAX_COMMITS}`, '--format=%H', from, '--', this.gitPath(this.lockName)]).stdout.split('\n').filter(Boolean);
    let last: string | undefined;
    for (const c of commits) {
      if (!same(this.lockAt(c).stages[name])) break;
      last = c;
    }
    return last ? (this.lastCommit([], last) ?? null) : null;
  }
}

/** The lineage of `path` (relative to the root) in the workspace, or at `rev` (its lock, read with git). */
export function lineage(ws: Workspace, path: string, rev?: string): LineageNode {
  const commit = rev === undefined ? undefined : resolveRevision(ws.root, rev);
  let lock: LockFile;
  if (commit === undefined) lock = readLock(ws.pipeline.lockFile, ws.lockMemo);
  else {
    const lockName = toPosix(relative(ws.root, ws.pipeline.lockFile));
    const text = tryReadAtRevision(ws.root, commit, lockName);
    if (text === undefined) throw new UsageError(`${lockName} does not exist at ${rev}`, { hint: 'name a revision where the pipeline had run' });
    lock = parseLockText(text, `${lockName}@${rev}`);
  }
  const node = new LineageReader(ws, lock, commit).node(path, undefined);
  if (node.source === 'untracked' || node.source === 'git') {
    throw new UsageError(`${path} is not produced by a stage nor tracked with lockstep add${rev ? ` at ${rev}` : ''}`, {
      hint: 'lineage answers for stage outs and tracked data (lockstep status lists them)',
    });
  }
  return node;
}
