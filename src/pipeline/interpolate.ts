import { dictFlags } from './cmd-flags.js';
import { pythonText } from './python-text.js';
import { shellContexts, type ShellContext } from './shell-context.js';

/**
 * `${key}` interpolation of params values. In commands every value is quoted for the shell context it
 * stands in (bare, inside "…", inside '…'), so a value like `$(rm -rf ~)` or `x; y` always reaches the
 * command as data and never as shell syntax; where no quoting is safe (backquotes, comments, here-documents)
 * the placeholder is refused. `\${` is a literal `${`.
 */
const PLACEHOLDER = /\\?\$\{\s*([^}\s]*)\s*\}/g;
const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

export type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as one shell word, for a bare (unquoted) position. */
export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Inside "…" only `\`, `"`, `$` and backquote keep a meaning; escaping them leaves the value literal. */
function quoteInDouble(value: string): string {
  return value.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

/** Inside '…' nothing is special but the closing quote: close, add an escaped quote, reopen. */
function quoteInSingle(value: string): string {
  return value.replace(/'/g, `'\\''`);
}

const UNSAFE: Partial<Record<ShellContext, string>> = {
  backtick: 'inside `…` backquotes; use $(…) instead',
  ansi: "inside $'…' quotes; use '…' or \"…\" instead",
  comment: 'inside a shell comment',
  heredoc: 'inside a here-document; pass the value as an argument or through a file instead',
  unknown: 'where its quoting cannot be told',
};

export type Lookup = (key: string) => { found: true; value: unknown } | { found: false };

export interface InterpolationProblem {
  key: string;
  message: string;
}

export type InterpolationResult = { ok: true; value: string } | { ok: false; problems: InterpolationProblem[] };

/**
 * Returns the text with every placeholder replaced, or the problems (missing key, non-scalar value, a
 * context that cannot be quoted). `quote` (for commands) quotes each value for its shell context; paths and
 * keys are substituted as they are.
 */
export function interpolate(template: string, lookup: Lookup, quote = true): InterpolationResult {
  const problems: InterpolationProblem[] = [];
  const contexts = quote ? shellContexts(template) : undefined;
  const value = template.replace(PLACEHOLDER, (match: string, key: string, offset: number) => {
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
    const context = contexts?.(offset);
    const unsafe = context && UNSAFE[context];
    if (unsafe) {
      problems.push({ key, message: `\${${key}} stands ${unsafe}: lockstep cannot quote a value there safely` });
      return match;
    }
    // As DVC: a mapping in a command becomes `--key value` flags; anywhere else only scalars are allowed.
    if (isDict(v) && context === 'bare') {
      const flags = dictFlags(v);
      if (typeof flags === 'string') {
        problems.push({ key, message: `\${${key}}: ${flags}` });
        return match;
      }
      return flags.map(shellQuote).join(' ');
    }
    if (isDict(v) && context) {
      problems.push({ key, message: `\${${key}} is a mapping, which expands to several --key value flags: place it outside quotes` });
      return match;
    }
    if (!isScalar(v)) {
      problems.push({ key, message: `\${${key}} must be a string, number, boolean or null${quote ? ' (or a mapping, expanded to flags)' : ''} to be used here` });
      return match;
    }
    const text = pythonText(v);
    if (!context) return text;
    return context === 'double' ? quoteInDouble(text) : context === 'single' ? quoteInSingle(text) : shellQuote(text);
  });
  return problems.length ? { ok: false, problems } : { ok: true, value };
}
