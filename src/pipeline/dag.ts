import { UsageError } from '../errors.js';
import { isSameOrInside } from '../util/paths.js';
import { compareStrings } from '../util/sort.js';
import type { Pipeline, Stage } from './types.js';

/**
 * The stage graph. `B` depends on `A` when a dep of B equals an out of A, lies inside an out directory of
 * A, or is a directory containing an out of A. Pure: no I/O.
 */
export interface Dag {
  stages: Map<string, Stage>;
  /** stage → the stages it depends on */
  upstream: Map<string, Set<string>>;
  /** stage → the stages that depend on it */
  downstream: Map<string, Set<string>>;
}

export function pathsOverlap(a: string, b: string): boolean {
  return isSameOrInside(a, b) || isSameOrInside(b, a);
}

export function buildDag(pipeline: Pipeline): Dag {
  const stages = new Map(pipeline.stages.map((s) => [s.name, s]));
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const s of pipeline.stages) {
    upstream.set(s.name, new Set());
    downstream.set(s.name, new Set());
  }
  for (const consumer of pipeline.stages) {
    for (const dep of consumer.deps) {
      for (const producer of producersOf(pipeline.stages, dep.path)) {
        upstream.get(consumer.name)!.add(producer.name);
        downstream.get(producer.name)!.add(consumer.name);
      }
    }
  }
  return { stages, upstream, downstream };
}

export function producersOf(stages: readonly Stage[], path: string): Stage[] {
  return stages.filter((s) => s.outs.some((o) => pathsOverlap(path, o.path)));
}

/** A cycle as the chain of names that closes it (`a -> b -> a`), or undefined. */
export function findCycle(dag: Dag): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of [...dag.upstream.get(name)!].sort(compareStrings)) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next].reverse();
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...dag.stages.keys()].sort(compareStrings)) {
    if (!state.has(name)) {
      const found = visit(name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Stages in dependency order, ties broken by name so every run plans the same order. */
export function topoOrder(dag: Dag, only?: ReadonlySet<string>): string[] {
  const include = (n: string) => !only || only.has(n);
  const indegree = new Map<string, number>();
  for (const name of dag.stages.keys()) {
    if (include(name)) indegree.set(name, [...dag.upstream.get(name)!].filter(include).length);
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort(compareStrings);
  const order: string[] = [];
  while (ready.length) {
    const name = ready.shift()!;
    order.push(name);
    const freed: string[] = [];
    for (const next of dag.downstream.get(name)!) {
      if (!indegree.has(next)) continue;
      const d = indegree.get(next)! - 1;
      indegree.set(next, d);
      if (d === 0) freed.push(next);
    }
    ready.push(...freed);
    ready.sort(compareStrings);
  }
  return order;
}

function closure(start: Iterable<string>, edges: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...edges.get(name)!);
  }
  return seen;
}

export function ancestorsOf(dag: Dag, names: Iterable<string>): Set<string> {
  return closure(names, dag.upstream);
}

export interface Selection {
  singleItem?: boolean;
  downstream?: boolean;
}

/**
 * Which stages a command with these targets works on, as DVC: a target with everything it depends on;
 * `--single-item` only the targets; `--downstream` the targets and everything that depends on them.
 */
export function selectStages(dag: Dag, targets: readonly string[], sel: Selection = {}): Set<string> {
  if (targets.length === 0) return new Set(dag.stages.keys());
  for (const t of targets) {
    if (!dag.stages.has(t)) {
      throw new UsageError(`unknown stage '${t}'`, {
        hint: `stages are: ${[...dag.stages.keys()].sort(compareStrings).join(', ')}`,
      });
    }
  }
  if (sel.singleItem) return new Set(targets);
  if (sel.downstream) return closure(targets, dag.downstream);
  return closure(targets, dag.upstream);
}
