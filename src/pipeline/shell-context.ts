/**
 * Where each `${…}` placeholder of a command stands, as the POSIX shell will parse it: bare, inside "…",
 * inside '…', or somewhere no quoting of ours can be trusted (backquotes, `$'…'`, a comment, the body of a
 * here-document). A value is only safe when it is quoted for its context: a value wrapped in '…' but
 * placed inside the command's own "…" is split by the shell at the quotes (and `$(…)` in it runs).
 * Placeholders are opaque words here, since their text is replaced before the shell sees it.
 */
export type ShellContext = 'bare' | 'double' | 'single' | 'backtick' | 'ansi' | 'comment' | 'heredoc' | 'unknown';

type Frame = 'bare' | 'subshell' | 'double' | 'single' | 'backtick' | 'ansi';

const WORD_BREAK = /[\s;&|()<>]/;

/** Scans `text` once; returns the context of the placeholder starting at an offset. */
export function shellContexts(text: string): (offset: number) => ShellContext {
  const at = new Map<number, ShellContext>();
  const stack: Frame[] = ['bare'];
  let comment = false;
  let heredocPending = false;
  let heredoc = false;
  let wordStart = true;
  const current = (): ShellContext => {
    if (heredoc) return 'heredoc';
    if (comment) return 'comment';
    const top = stack[stack.length - 1]!;
    return top === 'subshell' ? 'bare' : top;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if ((c === '$' && next === '{') || (c === '\\' && next === '$' && text[i + 2] === '{')) {
      at.set(i, current());
      const close = text.indexOf('}', i);
      i = close < 0 ? text.length : close + 1;
      wordStart = false;
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (comment) {
      if (c === '\n') comment = false;
      wordStart = true;
      i++;
      continue;
    }
    if (top === 'single') {
      if (c === "'") stack.pop();
      i++;
      continue;
    }
    if (top === 'ansi' || top === 'backtick') {
      if (c === '\\') i++;
      else if (c === (top === 'ansi' ? "'" : '`')) stack.pop();
      i++;
      continue;
    }
    if (top === 'double') {
      if (c === '\\') i++;
      else if (c === '"') stack.pop();
      else if (c === '`') stack.push('backtick');
      else if (c === '$' && next === '(') {
        stack.push('subshell');
        i++;
      }
      i++;
      continue;
    }
    // Bare words, at the top level or inside $( … ).
    if (c === '\\') i++;
    else if (c === "'") stack.push('single');
    else if (c === '"') stack.push('double');
    else if (c === '`') stack.push('backtick');
    else if (c === '$' && (next === "'" || next === '(')) {
      stack.push(next === "'" ? 'ansi' : 'subshell');
      i++;
    } else if (c === '(' && top === 'subshell') stack.push('subshell');
    else if (c === ')' && top === 'subshell') stack.pop();
    else if (c === '#' && wordStart) comment = true;
    else if (c === '<' && next === '<') {
      // `<<<` is a here-string (a plain word follows); `<<` starts a here-document on the next line.
      if (text[i + 2] === '<') i += 2;
      else {
        heredocPending = true;
        i++;
      }
    } else if (c === '\n' && heredocPending) heredoc = true;
    wordStart = WORD_BREAK.test(c);
    i++;
  }
  return (offset) => at.get(offset) ?? 'unknown';
}
