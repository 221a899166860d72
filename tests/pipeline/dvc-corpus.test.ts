import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusCase } from '../helpers/dvc-corpus.js';
import { lockstep } from '../helpers/workspace.js';

describe('DVC corpus: every case loads, with the stage names and edges DVC gives', () => {
  for (const name of readdirSync(CORPUS)) {
    it(name, async () => {
      const { dir, expected } = corpusCase(name);
      const r = await lockstep(dir, ['-f', expected.file, 'dag', '--json', ...(expected.args ?? [])]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ stages: expected.stages, edges: expected.edges });
    });
  }
});
