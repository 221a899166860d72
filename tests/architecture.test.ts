import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/workspace.js';

/** The layers of DESIGN §4.2: imports may only point to the same layer or a lower one. */
const LAYERS: [RegExp, number][] = [
  [/^(errors|constants|log)\.ts$|^util\//, 0],
  [/^(hash|pipeline)\//, 1],
  [/^(cache|lock|remote|git)\//, 2],
  [/^(run|metrics)\//, 3],
  [/^exp\//, 4],
  [/^(cli|action)\//, 5],
];
const PURE = /(^|\/)(plan|rules|diff|gate|dag|dag-render|compare|interpolate)\.ts$/;
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https)$|^execa$/;

const layerOf = (file: string) => LAYERS.find(([re]) => re.test(file))?.[1];

type Sources = Record<string, string>;

function importsOf(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) specs.push(m[1]!);
  for (const m of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) specs.push(m[1]!);
  return specs;
}

/** Every broken rule and import cycle in a set of files (paths relative to src/). */
export function architectureProblems(sources: Sources): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, source] of Object.entries(sources)) {
    const layer = layerOf(file);
    if (layer === undefined) problems.push(`${file}: not in any layer of DESIGN §4.2`);
    const local: string[] = [];
    for (const spec of importsOf(source)) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
        local.push(target);
        const targetLayer = layerOf(target);
        if (layer !== undefined && targetLayer !== undefined && targetLayer > layer) {
          problems.push(`${file} imports ${target}: a lower layer may not import a higher one`);
        }
        if (file.startsWith('remote/') && /^(cache|run)\//.test(target)) {
          problems.push(`${file} imports ${target}: remote backends move bytes by digest and never import cache or run`);
        }
        if (/^(cli|action)\//.test(target) && target.split('/')[0] !== file.split('/')[0]) {
          problems.push(`${file} imports ${target}: nothing imports cli or action`);
        }
      } else {
        if (spec.startsWith('@actions/') && !file.startsWith('action/')) problems.push(`${file} imports ${spec}: @actions/* only under action/`);
        if (PURE.test(file) && IO_MODULES.test(spec)) problems.push(`${file} imports ${spec}: this module must do no I/O`);
      }
    }
    graph.set(file, local);
    if (!/^(cli|action)\//.test(file)) {
      const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/\bconsole\./.test(code)) problems.push(`${file}: console is only for cli/ and action/`);
      if (/\bprocess\.exit(Code)?\b/.test(code)) problems.push(`${file}: process.exit* is only for cli/ and action/`);
    }
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'open') problems.push(`import cycle: ${[...stack.slice(stack.indexOf(next)), next].join(' -> ')}`);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return problems;
}

function readSources(dir: string): Sources {
  const out: Sources = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    if (f.endsWith('.ts')) out[relative(dir, join(dir, f)).split('\\').join('/')] = readFileSync(join(dir, f), 'utf8');
  }
  return out;
}

describe('architecture (DESIGN §4.2)', () => {
  it('src/ follows the import rules and has no cycles', () => {
    expect(architectureProblems(readSources(join(REPO, 'src')))).toEqual([]);
  });

  it('the checker catches each kind of violation', () => {
    const problems = architectureProblems({
      'util/a.ts': "import { x } from '../run/plan.js';",
      'run/plan.ts': "import { readFileSync } from 'node:fs';\nimport { y } from '../cli/main.js';",
      'cli/main.ts': "import { z } from './b.js';",
      'cli/b.ts': "import { w } from './main.js';",
      'hash/h.ts': "console.log('x'); process.exit(1);",
      'run/x.ts': "import * as core from '@actions/core';",
      'remote/s3.ts': "import { ObjectStore } from '../cache/object-store.js';",
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'util/a.ts imports run/plan.ts: a lower layer may not import a higher one',
        'run/plan.ts imports cli/main.ts: nothing imports cli or action',
        'run/plan.ts imports node:fs: this module must do no I/O',
        'hash/h.ts: console is only for cli/ and action/',
        'hash/h.ts: process.exit* is only for cli/ and action/',
        'run/x.ts imports @actions/core: @actions/* only under action/',
        'remote/s3.ts imports cache/object-store.ts: remote backends move bytes by digest and never import cache or run',
        'import cycle: cli/main.ts -> cli/b.ts -> cli/main.ts',
      ]),
    );
  });
});
