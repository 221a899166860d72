import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Inputs, Outputs } from '../../src/action/constants.js';
import { buildActionInto } from '../helpers/action-run.js';
import { REPO } from '../helpers/workspace.js';

/** actions/typescript-action's check-dist: GitHub runs the committed bundle, so it must be the current source. */
describe('the committed Action bundle', () => {
  it('dist/action.js is byte for byte what build:action makes now', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-check-dist-'));
    try {
      const fresh = readFileSync(await buildActionInto(dir), 'utf8');
      const committed = readFileSync(join(REPO, 'dist/action.js'), 'utf8');
      expect(committed === fresh, 'dist/action.js is stale: run npm run build:action and commit it').toBe(true);
      // Deterministic and self-contained: no paths of this machine, no CLI code.
      expect(fresh).not.toContain(REPO);
      expect(fresh).not.toMatch(/^\/\/ src\/cli\//m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('action.yml runs it on node24 and documents every input and output the code reads', () => {
    const yml = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as {
      runs: { using: string; main: string };
      inputs: Record<string, { description: string }>;
      outputs: Record<string, { description: string }>;
    };
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/action.js' });
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.values(Inputs).sort());
    expect(Object.keys(yml.outputs).sort()).toEqual(Object.values(Outputs).sort());
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const name of [...Object.values(Inputs), ...Object.values(Outputs)]) expect(readme).toContain(`\`${name}\``);
  });
});
