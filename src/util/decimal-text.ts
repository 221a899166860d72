/**
 * A number from a YAML or JSON file that a double cannot hold exactly (an integer beyond 2^53, a decimal
 * with more digits than a double keeps, `1e400`), kept as the text it was written with. Params and
 * metrics are compared and keyed by value, so `12345678901234567890` must never equal
 * `12345678901234567000`, the double both parse to.
 */
export class DecimalText {
  /** Sign, significant digits and exponent (`1234567890123456789e1`): equal values, equal text. */
  readonly canonical: string;

  constructor(readonly text: string) {
    this.canonical = canonicalDecimal(text) ?? text;
  }

  toString(): string {
    return this.text;
  }

  /** The nearest double, for arithmetic that needs no more (gate thresholds, deltas). */
  toNumber(): number {
    return Number(this.text);
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const NON_DECIMAL_INT = /^0[xXoObB][0-9a-fA-F]+$/;

/**
 * `-0012.3400e2` → `-1234e0`; hex and octal integers too; undefined for any other text. Zero has no
 * digits: its sign is what a double keeps, so zero is never a DecimalText.
 */
function canonicalDecimal(text: string): string | undefined {
  let sign = '';
  let digits: string;
  let exp = 0;
  const m = DECIMAL.exec(text);
  if (m && (m[2] || m[3])) {
    sign = m[1] === '-' ? '-' : '';
    digits = `${m[2]}${m[3] ?? ''}`;
    exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  } else if (NON_DECIMAL_INT.test(text)) {
    digits = BigInt(text).toString();
  } else {
    return undefined;
  }
  digits = digits.replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  return trimmed ? `${sign}${trimmed}e${exp}` : '0';
}

/**
 * Whether the double a number scalar parsed to is exactly what its source text says: `1.0`, `0.50`, `1e3`,
 * `.inf` and `-0` are; `12345678901234567890`, `0.1000000000000000000001` and `1e400` are not.
 */
export function isExactDouble(source: string, value: number): boolean {
  const text = source.trim();
  if (!Number.isFinite(value)) return !DECIMAL.test(text);
  if (value === 0) return true;
  const written = canonicalDecimal(text);
  // Text the parser did not read as plain decimal (YAML 1.1's octal 0777) keeps the parser's number.
  if (written === undefined || (DECIMAL.test(text) && Number(text) !== value)) return true;
  return written === canonicalDecimal(String(value));
}

/**
 * The canonical text of a number that JSON cannot write: `-0`, `Infinity`, `-Infinity`, `NaN`, or a
 * DecimalText's canonical form; undefined for an ordinary number, which JSON writes exactly.
 */
export function specialNumberText(value: unknown): string | undefined {
  if (value instanceof DecimalText) return value.canonical;
  if (typeof value !== 'number') return undefined;
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? undefined : String(value);
}

/** A value as people read it: strings as they are, numbers as written (`-0`, `Infinity`, long decimals). */
export function displayValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof DecimalText) return value.text;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return JSON.stringify(value, exactReplacer);
}

/** For JSON output (`--json`): a DecimalText becomes its text, as a string (JSON.stringify cannot write it bare). */
export function exactReplacer(_key: string, value: unknown): unknown {
  return value instanceof DecimalText ? value.text : value;
}

/** The value as JSON carries it (every DecimalText as its text), for data that is checked or stored as JSON. */
export function jsonValue(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value, exactReplacer) ?? 'null') as unknown);
}
