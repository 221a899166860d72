/**
 * A name-keyed table without a prototype, for keys that come from users (stage names, param keys): a stage
 * named `constructor` or `__proto__` must be a key like any other, never `Object.prototype`'s member.
 */
export function dict<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** `rec[key]` when it is the record's own key, never an inherited member. */
export function own<T>(rec: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
