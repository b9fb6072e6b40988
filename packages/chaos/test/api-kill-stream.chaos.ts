import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';
import { followTask } from '../src/sse-client.js';

describe('row 10: API killed mid-stream', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should give clients that reconnect to another API with Last-Event-ID the whole text, once', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem({ env: { WORKER_CONCURRENCY: '20' } });
    const [doomed, survivor] = await Promise.all([system.startApi(), system.startApi()]);
    if (doomed === undefined || survivor === undefined) throw new Error('no API');
    await system.startWorker();
    let current = doomed.url;
    const load = new LoadGenerator(system.headers, () => current);
    // About 4 s of tokens each; 20 clients follow them on the API that will die.
    const tasks = await Promise.all(
      Array.from({ length: 20 }, () => load.submit({ mock: 'tokens=80 delay=50' })),
    );
    const streams = tasks.flatMap((task) =>
      task === undefined ? [] : [followTask(task.taskId, system?.headers ?? {}, () => current)],
    );
    await expect
      .poll(() => system?.mock.requests().filter((call) => call.closedAt === null).length, {
        timeout: 20_000,
        interval: 50,
      })
      .toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // The clients' next connection goes to the other API (as a load balancer would send it).
    current = survivor.url;
    await doomed.stop('SIGKILL');
    const records = await Promise.all(streams.map((stream) => stream.done));
    const reconnected = records.filter((record) => (record.connections ?? 0) > 1).length;
    const verdict = await finishRow(system, load, {
      row: '10',
      fault:
        'API SIGKILL while 20 SSE clients stream; they reconnect to a second API with Last-Event-ID',
      startedAt,
      streams,
      notes: [`${reconnected} of ${records.length} clients reconnected mid-stream`],
    });
    expect(verdict.completed).toBe(20);
    expect(reconnected).toBe(20);
  });
});
