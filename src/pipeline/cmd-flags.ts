import { pythonElement, pythonText } from './python-text.js';

/**
 * A mapping interpolated into a command, expanded as DVC does with its default `parsing` settings
 * (`bool: store_true`, `list: nargs`): nested keys dotted, `--key value` per entry, a true boolean as a
 * bare `--flag` and a false one left out, a list as `--key a b`. Returns the words, each still to be
 * quoted for the shell by the caller, or a message when DVC would refuse the value (a list inside a list).
 */
export function dictFlags(dict: Record<string, unknown>): string[] | string {
  const words: string[] = [];
  for (const [key, value] of flatten(dict, '')) {
    const flag = `--${key}`;
    if (typeof value === 'boolean') {
      if (value) words.push(flag);
    } else if (Array.isArray(value)) {
      if (value.some((v) => v !== null && typeof v === 'object')) return `cannot interpolate a nested list or mapping in '${key}'`;
      if (value.length) words.push(flag, ...value.map((v) => pythonElement(v as string | number | boolean | null)));
    } else if (value === null || typeof value !== 'object') {
      words.push(flag, pythonText(value as string | number | null));
    }
  }
  return words;
}

/** `{optimizer: {lr: 0.01}}` → `[['optimizer.lr', 0.01]]`; lists stay values, empty mappings vanish. */
function flatten(dict: Record<string, unknown>, prefix: string): [string, unknown][] {
  return Object.entries(dict).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, unknown>, key) : [[key, v] as [string, unknown]];
  });
}
