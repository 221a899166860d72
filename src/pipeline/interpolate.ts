/**
 * `${key}` interpolation of params values into commands. Values are shell-quoted so that a value like
 * `x; rm -rf /` reaches the command as one argument and never as shell syntax. `\${` is a literal `${`.
 */
const PLACEHOLDER = /\\?\$\{\s*([^}\s]*)\s*\}/g;
const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export type Lookup = (key: string) => { found: true; value: unknown } | { found: false };

export interface InterpolationProblem {
  key: string;
  message: string;
}

/**
 * Returns the text with every placeholder replaced, or the problems (missing key, non-scalar value).
 * `quote` (for commands) shell-quotes each value; paths and keys are substituted as they are.
 */
export function interpolate(
  template: string,
  lookup: Lookup,
  quote = true,
): { ok: true; value: string } | { ok: false; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const value = template.replace(PLACEHOLDER, (match: string, key: string) => {
    if (match.startsWith('\\')) return match.slice(1);
    if (key === '') {
      problems.push({ key, message: 'empty ${} placeholder' });
      return match;
    }
    const hit = lookup(key);
    if (!hit.found) {
      problems.push({ key, message: `\${${key}} is not defined (params.yaml, vars, or the foreach/matrix item)` });
      return match;
    }
    const v = hit.value;
    if (v === null || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
      problems.push({ key, message: `\${${key}} must be a string, number or boolean to be used in cmd` });
      return match;
    }
    return quote ? shellQuote(String(v)) : String(v);
  });
  return problems.length ? { ok: false, problems } : { ok: true, value };
}
