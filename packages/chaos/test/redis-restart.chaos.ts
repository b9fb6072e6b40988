import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';
import { followTask } from '../src/sse-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once nothing answers on `url` any more. */
async function waitUntilDown(url: string): Promise<void> {
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const up = await probe
      .connect()
      .then(() => probe.ping())
      .then(
        () => true,
        () => false,
      );
    probe.disconnect();
    if (!up) return;
    await sleep(50);
  }
}

describe('row 4: Redis clean restart and CLIENT KILL', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should bring SSE subscriptions back and let clients resume with no gap', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem({ env: { WORKER_CONCURRENCY: '20' } });
    const api = await system.startApi();
    await system.startWorker();
    const load = new LoadGenerator(system.headers, () => api.url);
    // About 8 s of tokens each, followed over SSE through every fault below.
    const tasks = await Promise.all(
      Array.from({ length: 15 }, () => load.submit({ mock: 'tokens=160 delay=50' })),
    );
    const streams = tasks.flatMap((task) =>
      task === undefined ? [] : [followTask(task.taskId, system?.headers ?? {}, () => api.url)],
    );
    await sleep(1_500);
    const admin = new Redis(system.redis.url);
    const killedPubSub = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    await sleep(1_000);
    const killedNormal = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    admin.disconnect();
    await sleep(1_000);
    // A clean restart: SIGTERM makes redis-server write its AOF and exit.
    system.redis.signal('SIGTERM');
    await waitUntilDown(system.redis.url);
    await system.redis.restart();

    const records = await Promise.all(streams.map((stream) => stream.done));
    const verdict = await finishRow(system, load, {
      row: '4',
      fault:
        'CLIENT KILL of pub/sub then normal connections, then a clean Redis restart, while 15 SSE clients stream',
      startedAt,
      streams,
      notes: [
        `${killedPubSub} pub/sub and ${killedNormal} normal connections killed`,
        `${records.filter((record) => (record.connections ?? 0) > 1).length} of ${records.length} clients reconnected`,
      ],
    });
    expect(killedPubSub).toBeGreaterThan(0);
    expect(killedNormal).toBeGreaterThan(0);
    expect(verdict.completed).toBe(15);
  });
});
