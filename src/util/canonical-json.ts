import { specialNumberText } from './decimal-text.js';

/**
 * JSON with object keys sorted at every level and no whitespace: equal values always give equal bytes,
 * which is what makes digests of manifests and run keys stable across machines. Numbers JSON cannot
 * write are written bare as `-0`, `Infinity`, `-Infinity`, `NaN` or a DecimalText's canonical form
 * (`1234e16`), never as `null` or `0`: the text is only hashed and compared, and `.inf` must not key
 * like `-.inf`.
 */
export function canonicalJson(value: unknown): string {
  const special = specialNumberText(value);
  if (special !== undefined) return special;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const fields = Object.keys(obj)
      .sort()
      .filter((key) => obj[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}
