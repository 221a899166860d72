/**
 * Calls `fn` on every item with at most `jobs` calls in flight. Once `stop()` returns true no new call
 * starts (the running ones finish). Rejects with the first error `fn` throws, after the others settle.
 */
export async function forEachPool<T>(items: readonly T[], jobs: number, fn: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure && !stop()) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  if (failure) throw failure.err;
}
