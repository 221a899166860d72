import type { CommitInfo, LineageNode } from '../exp/lineage.js';
import { formatValue } from '../metrics/format.js';
import { formatBytes } from '../util/format.js';

const SOURCE: Record<LineageNode['source'], string> = { stage: 'produced by a stage', data: 'data (lockstep add)', git: 'in git', untracked: 'untracked' };

/** As `git log --oneline` shows it: a long subject is cut (--json keeps it whole). */
const SUBJECT_MAX = 72;
const subjectText = (s: string) => (s.length > SUBJECT_MAX ? `${s.slice(0, SUBJECT_MAX - 1)}…` : s);
const commitText = (c: CommitInfo) => `${c.sha.slice(0, 7)} ${c.date.slice(0, 10)} "${subjectText(c.subject)}"`;

function header(n: LineageNode, md: boolean): string {
  const parts = [md ? `\`${n.path}\`` : n.path];
  if (n.sha256) parts.push(`sha256:${n.sha256.slice(0, 12)}`, n.nfiles === undefined ? formatBytes(n.size ?? 0) : `${n.nfiles} file${n.nfiles === 1 ? '' : 's'}`);
  parts.push(n.source === 'git' && n.commit ? `git ${commitText(n.commit)}` : SOURCE[n.source]);
  if (n.matchesWorkspace !== undefined) parts.push(n.matchesWorkspace ? 'workspace matches' : 'WORKSPACE DIFFERS');
  if (n.seen) parts.push('(stage shown above)');
  return parts.join('  ');
}

/**
 * The lineage tree, one file per line with its producing stage's facts indented under it: as text, or as
 * a nested markdown list for a pull request or a model card.
 */
export function renderLineage(root: LineageNode, md: boolean): string {
  const lines: string[] = [];
  const walk = (n: LineageNode, depth: number) => {
    const pad = md ? '  '.repeat(depth) : '    '.repeat(depth);
    const item = (text: string) => lines.push(md ? `${pad}- ${text}` : `${pad}${text}`);
    item(header(n, md));
    const s = n.stage;
    if (!s) return;
    const inner = `${pad}  `;
    const fact = (label: string, text: string) => lines.push(md ? `${inner}- ${label}: ${text}` : `${inner}${label}: ${text}`);
    const cmd = Array.isArray(s.cmd) ? s.cmd.join(' && ') : s.cmd;
    fact('stage', `${s.name}: ${md ? `\`${cmd}\`` : cmd}`);
    fact('lock entry', s.lockCommit === null ? 'not in git' : s.lockCommit === 'uncommitted' ? 'changed in the workspace, not committed' : `last changed in ${commitText(s.lockCommit)}`);
    for (const [file, values] of Object.entries(s.params)) {
      fact(`params ${file}`, Object.entries(values).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ') || '(none)');
    }
    if (s.env.length) fact('env', s.env.join(' '));
    for (const [file, values] of Object.entries(s.metrics)) {
      fact(`metrics ${file}`, Object.entries(values).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => `${k}=${formatValue(v)}`).join(' '));
    }
    if (s.deps.length) fact('deps', '');
    // In markdown the deps nest under the `deps:` item, one level deeper than the facts.
    for (const d of s.deps) walk(d, md ? depth + 2 : depth + 1);
  };
  walk(root, 0);
  return lines.map((l) => l.trimEnd()).join('\n');
}
