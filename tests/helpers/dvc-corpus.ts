import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, workspace } from './workspace.js';

/** The DVC-style pipelines of tests/fixtures/dvc/<case>/, each with the names DVC's resolver gives. */
export const CORPUS = join(REPO, 'tests/fixtures/dvc');

export interface Expected {
  file: string;
  /** Extra arguments of `dag` (`-R` for several files). */
  args?: string[];
  /** In the file's order, as `dag --json` lists them. */
  stages: string[];
  /** In run order. */
  edges: { from: string; to: string }[];
}

/** A fresh git repository holding a copy of one case. */
export function corpusCase(name: string): { dir: string; expected: Expected } {
  const dir = workspace({}, { git: true });
  cpSync(join(CORPUS, name), dir, { recursive: true });
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  return { dir, expected };
}
