import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosProcess, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';
import { followTask } from '../src/sse-client.js';

const MODELS = ['gpt-5.6-sol', 'claude-haiku-4.5', 'deepseek-chat'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('row 1: worker SIGKILL', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should end every accepted task once when a worker is killed mid-stream, then every 3 s for a minute', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const api = await system.startApi();
    const workers: ChaosProcess[] = await Promise.all([system.startWorker(), system.startWorker()]);
    const headers = system.headers;
    const load = new LoadGenerator(headers, () => api.url);

    // Phase 1: 40 jobs of about a second and a half, 12 followed over SSE; one worker dies mid-stream.
    let index = 0;
    const model = () => MODELS[(index += 1) % MODELS.length] ?? 'gpt-5.6-sol';
    await Promise.all(
      Array.from({ length: 40 }, () => load.submit({ model: model(), mock: 'tokens=30 delay=50' })),
    );
    const streams = load.log.accepted
      .slice(0, 12)
      .map((task) => followTask(task.taskId, headers, () => api.url));
    await expect
      .poll(() => system?.mock.requests().filter((call) => call.closedAt === null).length, {
        timeout: 20_000,
        interval: 100,
      })
      .toBeGreaterThan(10);
    await workers[0]?.stop('SIGKILL');
    workers.push(await system.startWorker());

    // Phase 2: steady load; every 3 s the oldest live worker is killed and a new one started.
    let loading = true;
    const steady = (async () => {
      while (loading) {
        await load.submit({ model: model(), mock: 'tokens=20 delay=40' });
        await sleep(100);
      }
    })();
    let kills = 1;
    const phaseEnd = Date.now() + 60_000;
    while (Date.now() < phaseEnd) {
      await sleep(3_000);
      const victim = workers.find(
        (worker) => worker.child.exitCode === null && worker.child.signalCode === null,
      );
      await victim?.stop('SIGKILL');
      kills += 1;
      workers.push(await system.startWorker());
    }
    loading = false;
    await steady;

    await finishRow(system, load, {
      row: '1',
      fault: `worker SIGKILL mid-stream, then every 3 s for 60 s (${kills} kills, 2 workers)`,
      startedAt,
      streams,
      notes: [`${kills} worker kills`],
      // A killed worker's unacknowledged ledger batch is taken over after 30 s (the ledger's
      // claim idle time, which no environment variable shortens), then written.
      drainMs: 75_000,
    });
  });
});
