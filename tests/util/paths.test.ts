import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeRel } from '../../src/util/paths.js';

/** What normalizeRel computed before its fast path for already-normal paths. */
const reference = (path: string) => {
  const norm = posix.normalize(path);
  return norm.endsWith('/') && norm.length > 1 ? norm.slice(0, -1) : norm;
};

/** Every string of up to `n` characters from `alphabet`. */
function allStrings(alphabet: string[], n: number): string[] {
  const out = [''];
  for (let i = 0, start = 0; i < n; i++) {
    const end = out.length;
    for (let j = start; j < end; j++) for (const c of alphabet) out.push(out[j]! + c);
    start = end;
  }
  return out;
}

describe('normalizeRel', () => {
  it('gives what posix.normalize gives (less a trailing slash) for every short path of a, ., / and b', () => {
    for (const path of [...allStrings(['a', '.', '/', 'b'], 7), '...', 'a/.b', 'a/..b/c', 'x/...', 'a\\b', 'data/train.csv']) {
      expect(normalizeRel(path), JSON.stringify(path)).toBe(reference(path));
    }
  });

  it('normalizes the usual untidy cases', () => {
    expect(normalizeRel('')).toBe('.');
    expect(normalizeRel('./a//b/')).toBe('a/b');
    expect(normalizeRel('a/../..')).toBe('..');
    expect(normalizeRel('/a/./b')).toBe('/a/b');
  });
});
