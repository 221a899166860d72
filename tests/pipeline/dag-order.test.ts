import { describe, expect, it } from 'vitest';
import { topoOrder, type Dag } from '../../src/pipeline/dag.js';
import type { Stage } from '../../src/pipeline/types.js';

/** A random DAG: each stage depends on up to three stages before it (names shuffled, so not in order). */
function randomDag(n: number, seed: number): Dag {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const names = Array.from({ length: n }, (_, i) => `s${Math.floor(rand() * 1e6)}-${i}`);
  const upstream = new Map(names.map((name) => [name, new Set<string>()]));
  const downstream = new Map(names.map((name) => [name, new Set<string>()]));
  names.forEach((name, i) => {
    for (let k = 0; k < 3 && i > 0; k++) {
      const dep = names[Math.floor(rand() * i)]!;
      upstream.get(name)!.add(dep);
      downstream.get(dep)!.add(name);
    }
  });
  return { stages: new Map(names.map((name) => [name, { name } as Stage])), upstream, downstream, producersOf: () => [] };
}

/** Kahn's algorithm with the ready list re-sorted after every step: the order topoOrder must keep. */
function reference(dag: Dag, only?: ReadonlySet<string>): string[] {
  const include = (n: string) => !only || only.has(n);
  const indegree = new Map([...dag.stages.keys()].filter(include).map((n) => [n, [...dag.upstream.get(n)!].filter(include).length]));
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
  const order: string[] = [];
  while (ready.length) {
    const name = ready.shift()!;
    order.push(name);
    for (const next of dag.downstream.get(name)!) {
      if (!indegree.has(next)) continue;
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) ready.push(next);
    }
    ready.sort();
  }
  return order;
}

describe('topoOrder', () => {
  it('orders by dependency, ties by name, as a full re-sort at every step would', () => {
    for (const seed of [1, 2, 3]) {
      const dag = randomDag(400, seed);
      expect(topoOrder(dag)).toEqual(reference(dag));
      const only = new Set([...dag.stages.keys()].filter((_, i) => i % 3 !== 0));
      expect(topoOrder(dag, only)).toEqual(reference(dag, only));
    }
  });
});
