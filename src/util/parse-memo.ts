import { hashSync } from 'hasha';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { DecimalText } from './decimal-text.js';

/**
 * Remembers the result of parsing a text, keyed by the sha256 of the text itself (so it can never be
 * stale), in a JSON file. YAML parsing of a 1,000-stage pipeline and its lock was most of a no-op
 * `status`; JSON.parse of the same data is an order of magnitude faster. Values JSON cannot carry
 * exactly (NaN, Infinity, -0, DecimalText, dates…) are simply never memoized.
 */
// Bumped when the shape of a memoized value changes (v2: the lock memo also carries `data`, YAML merge keys
// are applied and template floats kept as text; v3: numbers a double cannot hold exactly are kept as
// DecimalText and never memoized, so older memos hold rounded ones).
const SALT = 'lockstep-parse-memo-v3\0';

const keyOf = (text: string) => hashSync([SALT, text], { algorithm: 'sha256' });

/** Records `data` as the parse of `text` when the writer already has it (e.g. the lock it just wrote). */
export function primeMemo(text: string, memoFile: string, data: unknown): void {
  const json = exactJson({ key: keyOf(text), data });
  if (json === undefined) return;
  try {
    writeFileAtomic(memoFile, json, { durable: false });
  } catch {
    // Only a missed shortcut.
  }
}

export function parseWithMemo(text: string, memoFile: string | undefined, parse: (text: string) => unknown): unknown {
  if (!memoFile) return parse(text);
  const key = keyOf(text);
  try {
    const memo = JSON.parse(readFileSync(memoFile, 'utf8')) as { key?: string; data?: unknown };
    if (memo.key === key) return memo.data;
  } catch {
    // No memo yet, or an unreadable one: parse normally.
  }
  const data = parse(text);
  const json = exactJson({ key, data });
  if (json !== undefined) {
    try {
      writeFileAtomic(memoFile, json, { durable: false });
    } catch {
      // A read-only checkout still works, just without the memo.
    }
  }
  return data;
}

function exactJson(value: unknown): string | undefined {
  let exact = true;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) exact = false;
    if (v === undefined || typeof v === 'bigint' || v instanceof Date || v instanceof DecimalText) exact = false;
    return v;
  });
  return exact ? json : undefined;
}
