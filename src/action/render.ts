import { formatValue } from '../metrics/format.js';
import { formatDuration } from '../util/format.js';
import { type ActionReport, type MetricRow, type StageRow } from './report.js';

/**
 * The markdown of the PR comment and of the job summary (one renderer for both). Every string taken from
 * the report is escaped: in `mode: comment` the report comes from an untrusted run, and even in `mode: run`
 * metric names are whatever the PR's code wrote into a metrics file.
 */

/**
 * A string from the report as inert text: no links or images (`[`, `]` escaped), no code spans, no table
 * cells broken, HTML and entities defused, and `@` kept from notifying anyone (a zero-width space after it).
 */
const esc = (s: string) =>
  s
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/[\\`[\]|]/g, '\\$&')
    .replace(/@/g, '@\u200b');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const short = (sha: string | undefined) => (sha ? sha.slice(0, 7) : 'workspace');
const ICON = { pass: '✅', fail: '❌', warn: '⚠️', 'n/a': '➖' } as const;

function signed(v: number | undefined, precision: number, suffix = ''): string {
  if (v === undefined) return '';
  return `${v > 0 ? '+' : ''}${formatValue(v, precision)}${suffix}`;
}

/** `a, b, c and 17 more`: a heading stays one readable line when a wildcard gate fails for every slice. */
export function firstFew(items: string[], shown = 3): string {
  return items.length <= shown + 1 ? items.join(', ') : `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

/** `stage failed: ingest (9 blocked)`: the stages that failed by name, the ones they blocked by count. */
export function stageProblem(r: ActionReport): string {
  const failed = r.stages.filter((s) => s.status === 'failed').map((s) => s.name);
  const blocked = r.stages.filter((s) => s.status === 'blocked').length;
  if (failed.length === 0 && blocked === 0) return '';
  return `stage${failed.length === 1 ? '' : 's'} failed: ${firstFew(failed)}${blocked ? ` (${blocked} blocked)` : ''}`;
}

function headline(r: ActionReport): string {
  const failedGates = r.gates.filter((g) => g.status === 'fail');
  if (r.error) return `## ❌ lockstep: ${esc(r.error.message.split('\n')[0]!)}`;
  const problems = [
    // A failed stage first: it is usually why a gate then found no metric.
    esc(stageProblem(r)),
    failedGates.length ? `${failedGates.length === 1 ? 'gate' : `${failedGates.length} of ${r.gates.length} gates`} failed: ${firstFew(failedGates.map((g) => `${esc(g.metric)} ${esc(g.bound)}`))}` : '',
  ].filter(Boolean);
  if (problems.length) return `## ❌ lockstep: ${problems.join('; ')}`;
  const n = r.gates.length;
  return n ? `## ✅ lockstep: ${n === 1 ? 'the gate passed' : `all ${n} gates passed`}` : '## ✅ lockstep: no gates declared';
}

function metricsTable(rows: MetricRow[], multiFile: boolean, precision: number): string[] {
  if (rows.length === 0) return ['No metrics changed and none are gated.'];
  const lines = ['| metric | base | PR | Δ | Δ% | gate | |', '|---|--:|--:|--:|--:|---|:-:|'];
  for (const m of rows) {
    const name = multiFile && m.path ? `${esc(m.name)} (${esc(m.path)})` : esc(m.name);
    const cells = [
      name,
      m.base === undefined ? '-' : esc(formatValue(m.base, precision)),
      m.current === undefined ? '-' : esc(formatValue(m.current, precision)),
      signed(m.change, precision),
      signed(m.changePct, 2, '%'),
      m.gates.map(esc).join(', '),
      m.status ? ICON[m.status] : '',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function stagesLine(stages: StageRow[]): string {
  const groups: [StageRow['status'], string][] = [
    ['failed', 'failed'],
    ['blocked', 'blocked'],
    ['ran', 'ran'],
    ['would-run', 'would run'],
    ['restored', 'restored from the run-cache'],
    ['skipped', 'up to date'],
    ['frozen', 'frozen'],
    ['interrupted', 'interrupted'],
    ['not-started', 'not started'],
  ];
  const parts = groups.flatMap(([status, label]) => {
    const list = stages.filter((s) => s.status === status);
    if (!list.length) return [];
    const names = list.map((s) => (s.durationMs === undefined ? esc(s.name) : `${esc(s.name)} ${formatDuration(s.durationMs)}`));
    return [`${list.length} ${label} (${names.join(', ')})`];
  });
  return parts.length ? `**Stages**: ${parts.join(' · ')}` : '**Stages**: none';
}

const STATUS_STYLE: Partial<Record<StageRow['status'], string>> = {
  ran: 'fill:#d4f7d4,stroke:#2da44e',
  restored: 'fill:#ddf4ff,stroke:#0969da',
  skipped: 'fill:#f6f8fa,stroke:#8c959f',
  failed: 'fill:#ffebe9,stroke:#cf222e',
  blocked: 'fill:#fff8c5,stroke:#bf8700',
  'would-run': 'fill:#fff8c5,stroke:#bf8700',
};

function mermaid(r: ActionReport): string[] {
  if (r.dag.nodes.length === 0) return [];
  const id = (name: string) => `s_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const label = (name: string) => name.replace(/[^A-Za-z0-9_.@/ -]/g, '_');
  const statusOf = new Map(r.stages.map((s) => [s.name, s.status]));
  const lines = ['<details><summary>Pipeline</summary>', '', '```mermaid', 'flowchart TD'];
  for (const n of r.dag.nodes) lines.push(`  ${id(n)}["${label(n)}"]`);
  for (const [from, to] of r.dag.edges) lines.push(`  ${id(from)} --> ${id(to)}`);
  const used = new Set<StageRow['status']>();
  for (const n of r.dag.nodes) {
    const s = statusOf.get(n);
    if (s && STATUS_STYLE[s]) {
      used.add(s);
      lines.push(`  class ${id(n)} ${s.replace('-', '_')}`);
    }
  }
  for (const s of used) lines.push(`  classDef ${s.replace('-', '_')} ${STATUS_STYLE[s]}`);
  lines.push('```', '', '</details>');
  return lines;
}

export interface RenderOptions {
  precision: number;
  /** First lines of the comment: the hidden marker that finds it again, and the digest line. */
  marker?: string[];
}

export function renderReport(r: ActionReport, opts: RenderOptions): string {
  const out: string[] = [];
  if (opts.marker) out.push(...opts.marker);
  out.push(headline(r), '');
  if (r.error?.hint) out.push(`> ${esc(r.error.hint)}`, '');
  if (r.gatesChanged) {
    out.push(`> [!WARNING]`, `> This pull request changes a gate in its pipeline file. The gates of ${esc(r.gatesFrom ?? 'the base')} were applied: a change cannot loosen its own gate.`, '');
  }
  // A gate that found no metric (a pattern that matched nothing) has no file: it says nothing about files.
  const multiFile = new Set(r.metrics.map((m) => m.path).filter(Boolean)).size > 1;
  out.push(...metricsTable(r.metrics, multiFile, opts.precision), '');
  const notes = r.gates.filter((g) => g.note && g.status !== 'pass');
  for (const g of notes) out.push(`- ${ICON[g.status]} ${esc(g.metric)} ${esc(g.bound)}: ${esc(g.note!)}`);
  if (notes.length) out.push('');
  if (r.params.length) {
    out.push('**Params changed**', '');
    for (const p of r.params) {
      const show = (v: unknown) => (v === undefined ? '(none)' : code(formatValue(v, opts.precision)));
      out.push(`- ${code(`${p.name}`)}: ${show(p.old)} → ${show(p.new)}${p.path === 'params.yaml' ? '' : ` (${esc(p.path)})`}`);
    }
    out.push('');
  }
  out.push(stagesLine(r.stages), '');
  const diagram = mermaid(r);
  if (diagram.length) out.push(...diagram, '');
  const compared = `Compared ${code(short(r.baseSha))} (base) → ${code(short(r.headSha))} (PR)`;
  // runUrl comes from the event (run.ts drops an artifact's own in mode: comment), so it is GitHub's.
  out.push(r.runUrl ? `${compared} · [workflow run](${r.runUrl})` : compared);
  return `${out.join('\n')}\n`;
}
