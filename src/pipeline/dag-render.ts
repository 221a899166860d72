import { compareStrings } from '../util/sort.js';
import { topoOrder, type Dag } from './dag.js';

/** Text renderings of the stage graph. Pure. */
const mermaidId = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

export function edgesOf(dag: Dag, only?: ReadonlySet<string>): [string, string][] {
  const edges: [string, string][] = [];
  for (const to of topoOrder(dag, only)) {
    for (const from of [...dag.upstream.get(to)!].sort(compareStrings)) {
      if (!only || only.has(from)) edges.push([from, to]);
    }
  }
  return edges;
}

export function renderMermaid(dag: Dag, only?: ReadonlySet<string>): string {
  const lines = ['flowchart TD'];
  for (const name of topoOrder(dag, only)) lines.push(`  ${mermaidId(name)}["${name}"]`);
  for (const [from, to] of edgesOf(dag, only)) lines.push(`  ${mermaidId(from)} --> ${mermaidId(to)}`);
  return lines.join('\n');
}

export function renderDot(dag: Dag, only?: ReadonlySet<string>): string {
  const lines = ['digraph pipeline {', '  rankdir=TB;'];
  for (const name of topoOrder(dag, only)) lines.push(`  "${name}";`);
  for (const [from, to] of edgesOf(dag, only)) lines.push(`  "${from}" -> "${to}";`);
  lines.push('}');
  return lines.join('\n');
}

/** One line per stage in run order, each with the stages it waits for. */
export function renderAscii(dag: Dag, only?: ReadonlySet<string>): string {
  const order = topoOrder(dag, only);
  const width = Math.max(0, ...order.map((n) => n.length));
  return order
    .map((name) => {
      const ups = [...dag.upstream.get(name)!].filter((u) => !only || only.has(u)).sort(compareStrings);
      return ups.length ? `${name.padEnd(width)}  <- ${ups.join(', ')}` : name;
    })
    .join('\n');
}
