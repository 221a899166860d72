import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { DecimalText, displayValue, isExactDouble } from '../../src/util/decimal-text.js';
import { parseExact } from '../../src/util/parse-exact.js';

const key = (yaml: string) => canonicalJson(parseExact(yaml));

describe('exact numbers (issue 16 item 4)', () => {
  it('canonical JSON keys .inf, -.inf, .nan, -0 and numbers a double cannot hold apart', () => {
    const keys = ['v: .inf', 'v: -.inf', 'v: .nan', 'v: 0', 'v: -0', 'v: 12345678901234567890', 'v: 12345678901234567891', 'v: 1e400', 'v: null'].map(key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(key('v: 1')).toBe(key('v: 1.0'));
    expect(key('v: 0.5')).toBe(key('v: 0.50'));
    expect(key('v: -0')).toBe(key('v: -0.0'));
    expect(key('v: 12345678901234567890')).toBe(key('v: 1.2345678901234567890e19'));
    expect(key('v: 0x1FFFFFFFFFFFFFFFFF')).toBe(key('v: 590295810358705651711'));
    // Ordinary values keep the bytes they always had.
    expect(canonicalJson({ b: [1, 'x', null, 0.1], a: { d: true, c: 2.5e-7 } })).toBe(JSON.stringify({ a: { c: 2.5e-7, d: true }, b: [1, 'x', null, 0.1] }));
  });

  it('keeps the text of numbers that do not round-trip, in YAML and JSON', () => {
    expect(parseExact('a: 12345678901234567890\nb: 9007199254740993\nc: 9007199254740992\nd: 1e3\n')).toEqual({
      a: new DecimalText('12345678901234567890'),
      b: new DecimalText('9007199254740993'),
      c: 9007199254740992,
      d: 1000,
    });
    const json = parseExact('{"n": 0.1000000000000000000001, "m": [1.5, -0]}', true) as { n: DecimalText; m: number[] };
    expect(json.n.text).toBe('0.1000000000000000000001');
    expect(Object.is(json.m[1], -0)).toBe(true);
    expect(() => parseExact('{"n": ', true)).toThrow();
    expect(() => parseExact('{"n": NaN}', true)).toThrow();
    expect(parseExact('{"n": 1, "n": 2}', true)).toEqual({ n: 2 });
  });

  it('knows which doubles are exact', () => {
    expect(['1.0', '0.50', '1e3', '.inf', '-.inf', '.nan', '-0', '0x1F', '9007199254740992'].every((t) => isExactDouble(t, Number(t.replace(/^(-?)\.inf$/, '$1Infinity').replace('.nan', 'NaN'))))).toBe(true);
    expect(isExactDouble('12345678901234567890', 12345678901234567890)).toBe(false);
    expect(isExactDouble('1e400', Infinity)).toBe(false);
    expect(parseExact('%YAML 1.1\n---\nv: 0777\n')).toEqual({ v: 511 });
    expect(displayValue(-0)).toBe('-0');
    expect(displayValue(new DecimalText('1e400'))).toBe('1e400');
  });
});
