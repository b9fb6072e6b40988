/** One value, computed at most once per `ttlMs` however many callers ask (they share the load). */
export interface TtlCache<T> {
  get(): Promise<T>;
  /** Forgets the value: the next `get` computes it afresh (this process only). */
  invalidate(): void;
}

/**
 * A one-entry cache with a time to live. A failed load is not kept, so the next caller retries.
 * `now` is injectable for tests.
 */
export function ttlCache<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number = () => performance.now(),
): TtlCache<T> {
  let entry: { value: Promise<T>; expiresAt: number } | undefined;
  return {
    get() {
      if (entry !== undefined && now() < entry.expiresAt) return entry.value;
      const value = load();
      const current = { value, expiresAt: now() + ttlMs };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = undefined;
      });
      return value;
    },
    invalidate() {
      entry = undefined;
    },
  };
}
