import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATE_KINDS } from '../src/metrics/gate.js';
import { lockstep, REPO } from './helpers/workspace.js';

const docs = ['README.md', ...readdirSync(join(REPO, 'docs')).map((f) => `docs/${f}`)];

describe('documentation', () => {
  it('every relative link of the README and docs/ points at a file of the repository', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      for (const [, target] of readFileSync(join(REPO, doc), 'utf8').matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(REPO, dirname(doc), target!))) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).not.toContain('../shared/');
  });

  it('the README and gate --help describe every gate key', async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const gates = readme.slice(readme.indexOf('## Gates'));
    const help = (await lockstep(REPO, ['gate', '--help'])).stdout;
    for (const key of [...GATE_KINDS, 'direction', 'level: warn', 'path', 'no baseline']) {
      expect(gates, key).toContain(key);
      expect(help, key).toContain(key);
    }
  });
});
