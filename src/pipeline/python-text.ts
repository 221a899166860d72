import type { Node } from 'yaml';
import { lazyYaml } from '../util/lazy-modules.js';

/**
 * DVC builds stage names and commands with Python's `str()`, so lockstep prints template values the same
 * way: `true`/`false` for booleans (DVC's own rule), `None` for null, and floats as Python writes them
 * (`1.0` stays `1.0`, `0.50` is `0.5`, `1e-05`). JavaScript cannot tell `1.0` from `1` once parsed, so
 * float scalars of the YAML that templates read are turned into their Python text while parsing.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  // Python's repr switches to scientific notation below 1e-4 and from 1e16 on, with a 2-digit exponent.
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fixed = String(x);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** A scalar as DVC's `to_str` prints it inside a string (floats were made text by `floatsAsText`). */
export function pythonText(value: string | number | boolean | null): string {
  if (value === null) return 'None';
  return String(value);
}

/** Python's `str()` of a list element in a flag (`--k True`): booleans are capitalised there. */
export function pythonElement(value: string | number | boolean | null): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return pythonText(value);
}

const FLOAT_SOURCE = /[.eE]|inf|nan/i;

/**
 * Rewrites every float scalar under `node` as its Python text, in place, so `toJS()` yields `'1.0'`, and
 * integers a double cannot hold as their digits.
 * Only used for values that templates print (vars, params read for `${}`, foreach and matrix items),
 * never for values compared as numbers.
 */
export function floatsAsText(node: Node | null | undefined): void {
  if (!node) return;
  const { visit, isScalar } = lazyYaml();
  visit(node, {
    Scalar(_key, n) {
      if (!isScalar(n) || typeof n.value !== 'number' || n.format === 'HEX' || n.format === 'OCT') return;
      if (FLOAT_SOURCE.test(n.source ?? '')) n.value = pythonFloat(n.value);
      // Python's ints are exact at any size: 12345678901234567890 is printed as written, not rounded.
      else if (!Number.isSafeInteger(n.value) && n.source !== undefined && /^[-+]?\d+$/.test(n.source)) n.value = n.source.replace(/^\+/, '');
    },
  });
}
