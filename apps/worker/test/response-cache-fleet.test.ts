import type { TaskEvent } from '@aiq/events';
import {
  createTestDatabase,
  deletePrefix,
  testServices,
  type SpawnedProcess,
  type TestDatabase,
} from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProducerHarness, type ProducerHarness } from './harness/producer-harness.js';
import { generation } from './harness/worker-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

/** The text a task's client received: its tokens, in order. */
function textOf(events: readonly TaskEvent[]): string {
  return events.map((event) => (event.type === 'token' ? event.text : '')).join('');
}

interface AttemptRow {
  readonly task_id: string;
  readonly status: string;
  readonly cache_hit: boolean;
  readonly cost_usd: string | null;
}

// Two worker processes of 8 jobs each: without single flight, 20 identical jobs make at least
// 16 provider calls at once.
describe('response cache single flight across two worker processes', () => {
  let testDatabase: TestDatabase;
  let harness: ProducerHarness;
  let workers: SpawnedProcess[] = [];
  beforeAll(async () => {
    const { redisUrl } = await testServices();
    testDatabase = await createTestDatabase();
    // One attempt per job: a leader that fails has failed for good, so a follower must take over.
    harness = await startProducerHarness({
      redisUrl,
      databaseUrl: testDatabase.url,
      env: { RETRY_ATTEMPTS: '1' },
    });
    workers = await Promise.all([spawnWorkerProcess(harness.env), spawnWorkerProcess(harness.env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    await deletePrefix(harness.redis, harness.config.redis.prefix);
    await harness.close();
    await testDatabase.drop();
  });

  /** Generation calls the mock received with `marker` in the prompt. */
  function providerCallsFor(marker: string) {
    return harness.mock
      .requests()
      .filter(
        (request) => request.method === 'POST' && JSON.stringify(request.body).includes(marker),
      );
  }

  /** The ai_requests rows of `taskIds`, once all `count` have left the ledger outbox. */
  async function attemptRows(taskIds: readonly string[], count: number): Promise<AttemptRow[]> {
    const read = () =>
      harness.database.query<AttemptRow>(
        `SELECT task_id, status, cache_hit, cost_usd FROM ai_requests
         WHERE task_id::text = ANY(string_to_array($1, ','))`,
        [taskIds.join(',')],
      );
    await expect.poll(async () => (await read()).length, { timeout: 15_000 }).toBe(count);
    return read();
  }

  it('should make one provider call for 20 concurrent identical requests, and record 19 cache hits', async () => {
    const marker = 'Twenty at once';
    const request = generation('gpt-5', `${marker} [[mock ttft=400 tokens=30]]`, {
      temperature: 0,
    });
    const tasks = await Promise.all(Array.from({ length: 20 }, () => harness.submit(request)));
    const ends = await Promise.all(
      tasks.map((task) => harness.events.waitForTerminal(task.taskId, 30_000)),
    );

    expect(providerCallsFor(marker)).toHaveLength(1);
    const texts = new Set(ends.map((events) => textOf(events)));
    expect(texts.size).toBe(1);
    expect([...texts][0]?.split(' ')).toHaveLength(30);
    expect(ends.map((events) => events.at(-1)?.type)).toEqual(Array(20).fill('done'));
    const cachedDones = ends
      .filter((events) => events.at(-1))
      .filter((events) => {
        const done = events.at(-1);
        return done?.type === 'done' && done.cached === true;
      });
    expect(cachedDones).toHaveLength(19);

    const rows = await attemptRows(
      tasks.map((task) => task.taskId),
      20,
    );
    expect(rows.every((row) => row.status === 'completed')).toBe(true);
    expect(rows.filter((row) => !row.cache_hit)).toHaveLength(1);
    expect(Number(rows.find((row) => !row.cache_hit)?.cost_usd)).toBeGreaterThan(0);
    const hits = rows.filter((row) => row.cache_hit);
    expect(hits).toHaveLength(19);
    expect(hits.every((row) => row.cost_usd === '0.000000')).toBe(true);
  }, 60_000);

  it('should let a follower take over the flight when the leader fails', async () => {
    const marker = 'Leader falls';
    // The first call (the leader's) fails mid-stream after three tokens; later calls succeed.
    harness.mock.addScenario({
      provider: 'openai',
      fault: 'stream_error after=3 delay=100',
      count: 1,
    });
    const request = generation('gpt-5', `${marker} [[mock tokens=12]]`, { temperature: 0 });
    const tasks = await Promise.all(Array.from({ length: 5 }, () => harness.submit(request)));
    const ends = await Promise.all(
      tasks.map((task) => harness.events.waitForTerminal(task.taskId, 30_000)),
    );

    const calls = providerCallsFor(marker);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.fault).toMatchObject({ fault: 'stream_error' });
    expect(calls[1]?.fault).not.toHaveProperty('fault');
    const failed = ends.filter((events) => events.at(-1)?.type === 'error');
    const done = ends.filter((events) => events.at(-1)?.type === 'done');
    expect(failed).toHaveLength(1);
    expect(done).toHaveLength(4);
    const texts = new Set(done.map((events) => textOf(events)));
    expect(texts.size).toBe(1);
    expect([...texts][0]?.split(' ')).toHaveLength(12);

    const rows = await attemptRows(
      tasks.map((task) => task.taskId),
      5,
    );
    expect(rows.filter((row) => row.status === 'failed')).toHaveLength(1);
    expect(rows.filter((row) => row.status === 'completed' && !row.cache_hit)).toHaveLength(1);
    expect(rows.filter((row) => row.cache_hit)).toHaveLength(3);
  }, 60_000);
});
