import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('row 7: Postgres stopped, and its connections killed in a loop', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should keep every process up, refuse with 503 while down, and write every row afterwards', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const api = await system.startApi();
    await Promise.all([system.startWorker(), system.startWorker()]);
    const load = new LoadGenerator(system.headers, () => api.url);
    // Jobs of about 2 s: many are mid-stream when Postgres goes.
    const options = { mock: 'tokens=40 delay=50' };
    const streams = [load.steady(options, 50), load.steady(options, 50)];
    await sleep(4_000);

    await system.postgres.stop(); // immediate: as a crash
    const stoppedAt = Date.now();
    await sleep(20_000);
    const restartedAt = Date.now();
    await system.postgres.start();
    await sleep(3_000);

    // Then every aiq connection is cut every half second for 10 s.
    let terminated = 0;
    const loopEnd = Date.now() + 10_000;
    while (Date.now() < loopEnd) {
      const rows = await system.database
        .query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
           WHERE application_name LIKE 'aiq-%' AND pid <> pg_backend_pid()`,
        )
        .catch(() => []);
      terminated += rows.filter((row) => row.killed).length;
      await sleep(500);
    }
    await Promise.all(streams.map((stream) => stream.stop()));

    const during = load.log.outcomes.filter(
      (outcome) => outcome.at > stoppedAt + 500 && outcome.at + outcome.ms < restartedAt,
    );
    const statuses = [...new Set(during.map((outcome) => outcome.status))]
      .map((status) => {
        const times = during
          .filter((outcome) => outcome.status === status)
          .map((outcome) => outcome.ms);
        return `${times.length}×${status} (${Math.min(...times)}–${Math.max(...times)} ms)`;
      })
      .join(', ');
    await finishRow(system, load, {
      row: '7',
      fault:
        'Postgres stopped (immediate) for 20 s under load, then pg_terminate_backend every 0.5 s for 10 s',
      startedAt,
      notes: [
        `during the outage: submissions answered ${statuses || 'nothing'}`,
        `${terminated} aiq connections terminated`,
      ],
    });
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((outcome) => outcome.status.startsWith('2'))).toEqual([]);
    // Never a hang: every submission during the outage was answered, and answered 503 (the API
    // knows the outage after the first failure and no longer waits on the pool).
    expect(during.filter((outcome) => outcome.status !== '503')).toEqual([]);
    expect(terminated).toBeGreaterThan(0);
    // No process exited.
    expect(system.processes.map((process) => process.child.exitCode)).toEqual(
      system.processes.map(() => null),
    );
  });
});
