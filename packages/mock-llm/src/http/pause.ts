import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds unless the connection closes first.
 * @returns true when the full time passed, false when `closed` aborted
 */
export async function pause(ms: number, closed: AbortSignal): Promise<boolean> {
  if (closed.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal: closed });
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the connection closes: the "hang" fault waits on this and nothing else. */
export function untilClosed(closed: AbortSignal): Promise<void> {
  if (closed.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    closed.addEventListener('abort', () => resolve(), { once: true }),
  );
}
