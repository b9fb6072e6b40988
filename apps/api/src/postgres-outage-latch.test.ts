import { describe, expect, it } from 'vitest';
import { createPostgresOutageLatch } from './postgres-outage-latch.js';

describe('createPostgresOutageLatch', () => {
  it('should stay down while probes fail and lift once one reaches Postgres', async () => {
    let reachable = false;
    const latch = createPostgresOutageLatch(
      () => (reachable ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))),
      { probeMs: 5 },
    );
    expect(latch.down).toBe(false);
    latch.noteFailure();
    expect(latch.down).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(latch.down).toBe(true);
    reachable = true;
    await expect.poll(() => latch.down, { timeout: 1_000 }).toBe(false);
  });

  it('should give up on a probe that hangs and send the next one', async () => {
    // The first ping hangs forever, as on a half-open connection; the next one answers.
    let pings = 0;
    const latch = createPostgresOutageLatch(
      () => ((pings += 1) === 1 ? new Promise<void>(() => undefined) : Promise.resolve()),
      { probeMs: 5, timeoutMs: 50 },
    );
    latch.noteFailure();
    await expect.poll(() => latch.down, { timeout: 1_000 }).toBe(false);
    expect(pings).toBe(2);
  });
});
