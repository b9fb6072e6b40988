import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';
import { followTask } from '../src/sse-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LOCK_MS = 2_000;

describe('row 5: frozen Redis, frozen worker', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should lose nothing when Redis is frozen for less and for more than the lock duration', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const api = await system.startApi();
    await Promise.all([system.startWorker(), system.startWorker()]);
    const load = new LoadGenerator(system.headers, () => api.url);
    const options = { mock: 'tokens=30 delay=50', timeoutMs: 15_000 };
    const streams = [load.steady(options, 50), load.steady(options, 50)];
    await sleep(3_000);
    system.redis.signal('SIGSTOP');
    await sleep(LOCK_MS / 2);
    system.redis.signal('SIGCONT');
    await sleep(4_000);
    system.redis.signal('SIGSTOP');
    await sleep(LOCK_MS * 3);
    system.redis.signal('SIGCONT');
    await sleep(4_000);
    await Promise.all(streams.map((stream) => stream.stop()));
    await finishRow(system, load, {
      row: '5',
      fault: `Redis SIGSTOP under load for ${LOCK_MS / 2000} s, then for ${(LOCK_MS * 3) / 1000} s (lock ${LOCK_MS / 1000} s)`,
      startedAt,
    });
    expect(system.processes.map((process) => process.child.exitCode)).toEqual(
      system.processes.map(() => null),
    );
  });

  it('should not let a worker frozen past its lock overwrite the result of the worker that took over', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const api = await system.startApi();
    const frozen = await system.startWorker();
    const load = new LoadGenerator(system.headers, () => api.url);
    // About 6 s each, all on the worker that will freeze.
    const tasks = await Promise.all(
      Array.from({ length: 6 }, () => load.submit({ mock: 'tokens=60 delay=100' })),
    );
    const streams = tasks.flatMap((task) =>
      task === undefined ? [] : [followTask(task.taskId, system?.headers ?? {}, () => api.url)],
    );
    await expect
      .poll(() => system?.mock.requests().filter((call) => call.closedAt === null).length, {
        timeout: 20_000,
        interval: 50,
      })
      .toBe(6);
    frozen.child.kill('SIGSTOP');
    await system.startWorker();
    // The new worker has taken every job over (its locks expired) and is streaming them.
    await expect
      .poll(() => system?.mock.requests().length, { timeout: 30_000, interval: 100 })
      .toBe(12);
    await sleep(1_000);
    // Woken while the other still streams: its stale attempts end first.
    frozen.child.kill('SIGCONT');
    await finishRow(system, load, {
      row: '5b',
      fault: `worker SIGSTOPped past its ${LOCK_MS / 1000} s lock mid-stream, woken while its successor streams the same 6 jobs`,
      startedAt,
      streams,
      // The woken worker relays the tokens it had buffered before it learns of the lost lock:
      // the successor's claim on each task's stream (a fencing number) drops them, and its
      // result is refused (JobLockLost). Followers' text must equal the stored result.
    });
  });
});
