import { startApi, type RunningApi } from '@aiq/api';
import { createApiKey } from '@aiq/auth';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { connectTestRedis, deletePrefix, testServices, uniquePrefix } from '@aiq/testing';
import { startWorker, type RunningWorker } from '@aiq/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiqError } from './aiq-error.js';
import { createAiqClient, type AiqClient } from './create-aiq-client.js';
import { createTaskEventPublisher, type TaskEvent } from '@aiq/events';

/** A fetch whose event streams break after `chunks` reads, the first `times` times. */
function flakyFetch(times: number, chunks: number): { fetch: typeof fetch; opened: () => number } {
  let opened = 0;
  const flaky: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const breakIt =
      response.headers.get('content-type') === 'text/event-stream' && opened++ < times;
    if (!breakIt || response.body === null) return response;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let reads = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (reads++ === chunks) {
          await reader.cancel();
          controller.error(new TypeError('network error'));
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: flaky, opened: () => opened };
}

const collect = async (events: AsyncIterable<TaskEvent>) => {
  const all: TaskEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
};

describe('aiq client', () => {
  let mock: MockLlmServer;
  let database: Database;
  let api: RunningApi;
  let worker: RunningWorker;
  let apiKey: string;
  beforeAll(async () => {
    const { redisUrl } = await testServices();
    mock = await startMockLlm();
    const config = loadConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: uniquePrefix('client'),
      LOG_LEVEL: 'silent',
      API_PORT: '0',
      WORKER_METRICS_PORT: '0',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: mock.baseUrls.openai,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
      DEEPSEEK_API_KEY: 'sk-test',
      DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    });
    const logger = createLogger(config);
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
    worker = await startWorker({ config, logger, database });
    api = await startApi({ config, logger, database });
    apiKey = (await createApiKey(database, { userId: 'alice' })).key;
  });
  afterAll(async () => {
    await api.close();
    await worker.close();
    await database.close();
    await mock.close();
  });

  it('should submit, stream through 10 dropped connections with every token once, and poll the result', async () => {
    const flaky = flakyFetch(10, 3);
    const client: AiqClient = createAiqClient({ baseUrl: api.url, apiKey, fetch: flaky.fetch });
    const { taskId } = await client.generate({
      model: 'gpt-5',
      prompt: 'A long story [[mock tokens=300 delay=5]]',
      max_tokens: 500,
    });
    const events = await collect(client.streamEvents(taskId, { retryDelayMs: 10 }));
    expect(flaky.opened()).toBeGreaterThan(10);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index + 1));
    // Deltas that reach the worker together share an event: the text, not the event count, is
    // what must arrive whole and once.
    const tokens = events.flatMap((event) => (event.type === 'token' ? [event.text] : []));
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { outputTokens: 300 } });
    await worker.flushLedger();
    const task = await client.waitForTask(taskId, { intervalMs: 50 });
    expect(task).toMatchObject({ id: taskId, status: 'completed', model: 'gpt-5' });
    expect(task.result).toMatchObject({ text: tokens.join('') });
  });

  it('should cancel a running task and end its stream with cancelled', async () => {
    const client = createAiqClient({ baseUrl: api.url, apiKey });
    const { taskId } = await client.generate({ model: 'gpt-5', prompt: 'Wait [[mock hang]]' });
    const events = client.streamEvents(taskId);
    const seen: string[] = [];
    for await (const event of events) {
      seen.push(event.type);
      if (event.type === 'started') await client.cancel(taskId);
    }
    expect(seen.at(-1)).toBe('cancelled');
    expect(await client.listTasks({ status: 'cancelled' })).toMatchObject({
      tasks: [{ id: taskId, status: 'cancelled' }],
    });
  });

  it('should follow a failed task through its retry to the new result, on the same id', async () => {
    const client = createAiqClient({ baseUrl: api.url, apiKey });
    mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
    const { taskId } = await client.generate({
      model: 'gpt-5',
      prompt: 'Retry me [[mock tokens=5]]',
      fallback: false,
    });
    const controller = new AbortController();
    const seen: TaskEvent[] = [];
    const following = (async () => {
      for await (const event of client.streamEvents(taskId, {
        followRetries: true,
        signal: controller.signal,
      })) {
        seen.push(event);
        if (event.type === 'done') controller.abort();
      }
    })();
    await expect.poll(() => seen.at(-1)?.type).toBe('error');
    await worker.flushLedger();
    await expect.poll(async () => (await client.getTask(taskId)).status).toBe('failed');
    expect(await client.retry(taskId)).toMatchObject({ taskId, retried: true, retryCount: 1 });
    await following;
    const types = seen.map((event) => event.type);
    const afterError = types.slice(types.indexOf('error'));
    expect(afterError.slice(0, 3)).toEqual(['error', 'retried', 'started']);
    // The new run's tokens (deltas that arrive together share an event), then its end.
    expect(new Set(afterError.slice(3, -1))).toEqual(new Set(['token']));
    expect(afterError.at(-1)).toBe('done');
    const newRunText = seen
      .slice(types.indexOf('error'))
      .flatMap((event) => (event.type === 'token' ? [event.text] : []))
      .join('');
    expect(newRunText.split(' ')).toHaveLength(5);
    // Without followRetries, a replay from the start goes through the retry to the latest end.
    const replayed = await collect(client.streamEvents(taskId));
    expect(replayed.map((event) => event.sequence)).toEqual(seen.map((event) => event.sequence));
    await worker.flushLedger();
    expect(await client.waitForTask(taskId, { intervalMs: 50 })).toMatchObject({
      status: 'completed',
      retryCount: 1,
    });
  });

  it('should raise AiqError with the API code for refusals', async () => {
    const client = createAiqClient({ baseUrl: api.url, apiKey });
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(client.getTask(missing)).rejects.toMatchObject({
      status: 404,
      code: 'task_not_found',
    });
    await expect(collect(client.streamEvents(missing))).rejects.toBeInstanceOf(AiqError);
    await expect(client.generate({ model: 'gpt-1', prompt: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 'model_not_found',
    });
  });
});

describe('aiq client at the cap on open streams', () => {
  let database: Database;
  let api: RunningApi;
  let apiKey: string;
  const prefix = uniquePrefix('client-cap');
  beforeAll(async () => {
    const { redisUrl } = await testServices();
    const config = loadConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      API_PORT: '0',
      SSE_MAX_STREAMS_PER_USER: '1',
      SSE_SLOT_LEASE_MS: '1000',
    });
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
    api = await startApi({ config, logger: createLogger(config), database });
    apiKey = (await createApiKey(database, { userId: 'alice' })).key;
  });
  afterAll(async () => {
    await api.close();
    const redis = await connectTestRedis();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
  });

  it('should wait out 429 too_many_streams for its Retry-After, then stream', async () => {
    const client = createAiqClient({ baseUrl: api.url, apiKey });
    const held = await client.generate({ model: 'gpt-5', prompt: 'Held open' });
    const { taskId } = await client.generate({ model: 'gpt-5', prompt: 'Then this' });
    const redis = await connectTestRedis();
    await createTaskEventPublisher({ redis, prefix }).publish(taskId, {
      type: 'cancelled',
      reason: 'test',
    });
    await redis.quit();
    // Another tab holds the user’s one stream for 1.5 s.
    const holder = new AbortController();
    const holding = await fetch(`${api.url}/api/tasks/${held.taskId}/events`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: holder.signal,
    });
    await (holding.body as ReadableStream<Uint8Array>).getReader().read();
    setTimeout(() => holder.abort(), 1_500);
    // Its own backoff alone (10, 20, 40 ms) would give up long before the slot frees.
    const events = await collect(client.streamEvents(taskId, { retryDelayMs: 10, maxRetries: 2 }));
    expect(events.map((event) => event.type)).toEqual(['queued', 'cancelled']);
  });
});
