import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';
import { followTask } from '../src/sse-client.js';

const GRACE_MS = 3_000;

describe('row 2: worker SIGTERM', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should finish jobs shorter than the grace period and hand longer ones to another worker', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem({
      env: { WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS), WORKER_CONCURRENCY: '20' },
    });
    const api = await system.startApi();
    const leaving = await system.startWorker();
    const load = new LoadGenerator(system.headers, () => api.url);
    // Short: about 1 s. Long: about 8 s, well past the grace period.
    const short = await Promise.all(
      Array.from({ length: 12 }, () => load.submit({ mock: 'tokens=10 delay=100' })),
    );
    const long = await Promise.all(
      Array.from({ length: 6 }, () =>
        load.submit({ model: 'claude-haiku-4.5', mock: 'tokens=80 delay=100' }),
      ),
    );
    const streams = [...short, ...long].flatMap((task) =>
      task === undefined ? [] : [followTask(task.taskId, system?.headers ?? {}, () => api.url)],
    );
    expect(load.log.refused, JSON.stringify([...load.log.refused])).toEqual(new Map());
    // Every job has started streaming on the one worker.
    await expect
      .poll(() => system?.mock.requests().filter((call) => call.closedAt === null).length, {
        timeout: 20_000,
        interval: 50,
      })
      .toBe(18);
    const signalledAt = Date.now();
    const [{ code, exitMs }] = await Promise.all([
      leaving.stop('SIGTERM').then((exit) => ({ code: exit, exitMs: Date.now() - signalledAt })),
      system.startWorker(),
    ]);
    expect(code).toBe(0);
    // It drained within the grace period (plus its own shutdown), not at the long jobs' end.
    expect(exitMs).toBeLessThan(GRACE_MS + 3_000);

    const verdict = await finishRow(system, load, {
      row: '2',
      fault: `worker SIGTERM, grace ${GRACE_MS / 1000} s: 12 jobs of 1 s, 6 of 8 s`,
      startedAt,
      streams,
      notes: [`worker exited 0 after ${(exitMs / 1000).toFixed(1)} s`],
    });
    expect(verdict.completed).toBe(18);
    // The short jobs finished where they were; the long ones were handed back, not cut silently.
    const handedBack = await system.database.query<{ count: string }>(
      `SELECT count(*) FROM ai_requests WHERE error_code = 'worker_shutdown' AND status = 'cancelled'`,
    );
    expect(handedBack[0]?.count).toBe('6');
    expect(verdict.duplicateCalls).toBe(6);
  });
});
