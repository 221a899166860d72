import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseWithMemo } from '../../src/util/parse-memo.js';
import { workspace } from '../helpers/workspace.js';

describe('parseWithMemo', () => {
  it('serves the memo only for the exact same text', () => {
    const memo = join(workspace({}), 'memo.json');
    let calls = 0;
    const counted = (t: string) => {
      calls++;
      return parse(t);
    };
    expect(parseWithMemo('a: 1\n', memo, counted)).toEqual({ a: 1 });
    expect(parseWithMemo('a: 1\n', memo, counted)).toEqual({ a: 1 });
    expect(calls).toBe(1);
    expect(parseWithMemo('a: 2\n', memo, counted)).toEqual({ a: 2 });
    expect(calls).toBe(2);
  });

  it('never memoizes values JSON cannot carry exactly', () => {
    const memo = join(workspace({}), 'memo.json');
    expect(parseWithMemo('a: .nan\nb: .inf\n', memo, parse)).toEqual({ a: Number.NaN, b: Infinity });
    expect(() => readFileSync(memo)).toThrow();
    expect(parseWithMemo('a: .nan\nb: .inf\n', memo, parse)).toEqual({ a: Number.NaN, b: Infinity });
  });
});
