import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `done` every `intervalMs` until it answers true; fails after `timeoutMs` with `what`. */
export async function waitUntil(
  done: () => Promise<boolean>,
  { what, timeoutMs, intervalMs = 25 }: { what: string; timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
