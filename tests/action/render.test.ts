import { describe, expect, it } from 'vitest';
import { firstFew } from '../../src/action/render.js';

describe('the comment heading', () => {
  it('names up to four failures, then the first three and how many more (a wildcard gate can fail for every slice)', () => {
    expect(firstFew(['a'])).toBe('a');
    expect(firstFew(['a', 'b', 'c', 'd'])).toBe('a, b, c, d');
    expect(firstFew(['a', 'b', 'c', 'd', 'e', 'f'])).toBe('a, b, c and 3 more');
  });
});
