import { fileURLToPath } from 'node:url';
import { startApi, type RunningApi } from '../src/start-api.js';
import { createApiKey } from '@aiq/auth';
import { loadConfig } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher, taskEventKeys, type TaskEventPublisher } from '@aiq/events';
import { createLogger } from '@aiq/logger';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  freePort,
  spawnNode,
  testServices,
  TEST_NOW,
  uniquePrefix,
  type TestDatabase,
} from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '../src/testing/parse-sse.js';

const apiEntry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** An open event stream: its first bytes have arrived; `close()` is the client leaving. */
interface OpenStream {
  readonly response: Response;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status === 200 && response.body !== null) {
    // `retry: 1000` comes first: the server has taken the slot and is streaming.
    await (response.body as ReadableStream<Uint8Array>).getReader().read();
  }
  return { response, close: () => controller.abort() };
}

/** Retries `attempt` until it returns true, for at most `timeoutMs`. */
async function eventually(
  attempt: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('event stream limits over HTTP', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let redis: Redis;
  let prefix: string;
  let env: Record<string, string>;
  let api: RunningApi;
  let events: TaskEventPublisher;

  beforeAll(async () => {
    const { redisUrl } = await testServices();
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
    await database.migrate();
    prefix = uniquePrefix('stream-limits');
    env = {
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      DATABASE_URL: testDatabase.url,
      DATABASE_POOL_SIZE: '2',
      MODELS_AS_OF: TEST_NOW,
      RATE_LIMIT_STANDARD_PER_MINUTE: '1000',
      SSE_MAX_STREAMS_PER_USER: '2',
      SSE_OPENS_PER_MINUTE: '1000',
      SSE_SLOT_LEASE_MS: '3000',
      SSE_REPLAY_PAGE_SIZE: '50',
    };
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent', API_PORT: '0' });
    api = await startApi({ config, logger: createLogger(config), database });
    redis = await connectTestRedis();
    events = createTaskEventPublisher({ redis, prefix });
  });
  afterAll(async () => {
    await api.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
    await testDatabase.drop();
  });

  async function keyFor(userId: string): Promise<Record<string, string>> {
    const { key } = await createApiKey(database, { userId });
    return { authorization: `Bearer ${key}` };
  }

  async function submit(headers: Record<string, string>, base = api.url): Promise<string> {
    const response = await fetch(`${base}/api/ai/generate`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }

  it('should replay a log larger than one page in pages of SSE_REPLAY_PAGE_SIZE, in order and once', async () => {
    const alice = await keyFor('alice-pages');
    const taskId = await submit(alice);
    for (let index = 0; index < 228; index += 1) {
      await events.publish(taskId, { type: 'token', text: `t${index} ` });
    }
    await events.publish(taskId, {
      type: 'done',
      model: 'gpt-5',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 228 },
    });
    // Watch every command Redis runs on this task's log, scripts' inner calls included.
    const logKey = taskEventKeys(prefix, taskId).log;
    const monitor = await (await connectTestRedis()).monitor();
    const reads: string[][] = [];
    let sentinelSeen = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (!args.includes(logKey)) return;
      if (/^lrange$/i.test(args[0] ?? '')) reads.push(args);
      if (/^exists$/i.test(args[0] ?? '')) sentinelSeen = true;
    });
    try {
      const whole = await fetch(`${api.url}/api/tasks/${taskId}/events`, { headers: alice });
      const replayed = parseSse(await whole.text());
      expect(replayed.map((event) => Number(event.id))).toEqual(
        Array.from({ length: 230 }, (_value, index) => index + 1),
      );
      expect(replayed.at(-1)?.event).toBe('done');
      const resumed = await fetch(`${api.url}/api/tasks/${taskId}/events`, {
        headers: { ...alice, 'last-event-id': '120' },
      });
      expect(parseSse(await resumed.text()).map((event) => Number(event.id))).toEqual(
        Array.from({ length: 110 }, (_value, index) => index + 121),
      );
      // MONITOR reports in order: once it shows this, it has shown every read before it.
      await redis.exists(logKey);
      await eventually(() => sentinelSeen, 2_000);
    } finally {
      monitor.disconnect();
    }
    // Every read of the log is one page at most, never `LRANGE 0 -1`: 230 events take at
    // least 5 reads, and the 110 after Last-Event-ID at least 3.
    const tooLarge = reads.filter(([, , start = '', stop = '']) => {
      const size = Number(stop) - Number(start) + 1;
      return !(size > 0 && size <= 50);
    });
    expect(tooLarge.map((args) => args.slice(2).join(' '))).toEqual([]);
    expect(reads.length).toBeGreaterThanOrEqual(5 + 3);
  });

  it('should refuse a stream beyond SSE_MAX_STREAMS_PER_USER with 429 too_many_streams, and free the slot when a client leaves', async () => {
    const alice = await keyFor('alice-cap');
    const bob = await keyFor('bob-cap');
    const tasks = [await submit(alice), await submit(alice), await submit(alice)];
    const url = (taskId: string) => `${api.url}/api/tasks/${taskId}/events`;
    const first = await openStream(url(tasks[0] ?? ''), alice);
    const second = await openStream(url(tasks[1] ?? ''), alice);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await openStream(url(tasks[2] ?? ''), alice);
    expect(third.response.status).toBe(429);
    expect(Number(third.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await third.response.json()).toEqual({
      error: {
        code: 'too_many_streams',
        message: 'More than 2 event streams open at once; close one or retry later',
      },
    });
    // The cap is per user: bob is not held back by alice's streams.
    const bobs = await openStream(url(await submit(bob)), bob);
    expect(bobs.response.status).toBe(200);
    bobs.close();
    // A client that leaves gives its slot back at once, not after its lease.
    first.close();
    let reopened: OpenStream | undefined;
    await eventually(async () => {
      reopened = await openStream(url(tasks[2] ?? ''), alice);
      if (reopened.response.status === 200) return true;
      await reopened.response.body?.cancel();
      return false;
    }, 1_000);
    second.close();
    reopened?.close();
  });

  it('should cancel a generation whose client leaves its SSE answer before the end, when asked', async () => {
    const erin = await keyFor('erin-leaves');
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/ai/generate`, {
      method: 'POST',
      headers: { ...erin, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-5',
        prompt: 'A long story, please',
        cancel_on_disconnect: true,
      }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const taskId = response.headers.get('x-task-id') ?? '';
    expect(taskId).not.toBe('');
    // No worker runs here: the task waits, queued, while its client reads the first bytes.
    await (response.body as ReadableStream<Uint8Array>).getReader().read();
    controller.abort();
    await eventually(async () => {
      const task = await fetch(`${api.url}/api/tasks/${taskId}`, { headers: erin });
      return ((await task.json()) as { status: string }).status === 'cancelled';
    }, 5_000);
  });

  it('should give a slot back when its stream ends at the terminal event', async () => {
    const carol = await keyFor('carol-cap');
    const taskId = await submit(carol);
    await events.publish(taskId, { type: 'cancelled', reason: 'test' });
    for (let round = 0; round < 5; round += 1) {
      const response = await fetch(`${api.url}/api/tasks/${taskId}/events`, { headers: carol });
      expect(response.status).toBe(200);
      expect(parseSse(await response.text()).at(-1)?.event).toBe('cancelled');
    }
  });

  it("should free a crashed API process's slots after SSE_SLOT_LEASE_MS, not hold them forever", async () => {
    const dave = await keyFor('dave-cap');
    const tasks = [await submit(dave), await submit(dave), await submit(dave)];
    const port = await freePort();
    const doomed = spawnNode(apiEntry, {
      env: { ...env, LOG_LEVEL: 'info', API_PORT: String(port) },
    });
    try {
      await doomed.waitForOutput(/api listening/);
      const base = `http://127.0.0.1:${port}`;
      await openStream(`${base}/api/tasks/${tasks[0]}/events`, dave);
      await openStream(`${base}/api/tasks/${tasks[1]}/events`, dave);
      await doomed.stop('SIGKILL');
      // Nobody released them: the other process still counts both slots...
      const refused = await openStream(`${api.url}/api/tasks/${tasks[2]}/events`, dave);
      expect(refused.response.status).toBe(429);
      // ...until their leases, no longer refreshed, run out.
      const crashedAt = Date.now();
      let opened: OpenStream | undefined;
      await eventually(async () => {
        opened = await openStream(`${api.url}/api/tasks/${tasks[2]}/events`, dave);
        if (opened.response.status === 200) return true;
        await opened.response.body?.cancel();
        return false;
      }, 10_000);
      expect(Date.now() - crashedAt).toBeLessThan(10_000);
      opened?.close();
    } finally {
      if (doomed.child.exitCode === null && doomed.child.signalCode === null) {
        await doomed.stop('SIGKILL');
      }
    }
  });

  it('should keep a long-lived stream’s slot while it is open, past its lease', async () => {
    const erin = await keyFor('erin-cap');
    const tasks = [await submit(erin), await submit(erin), await submit(erin)];
    const url = (taskId: string) => `${api.url}/api/tasks/${taskId}/events`;
    const held = [
      await openStream(url(tasks[0] ?? ''), erin),
      await openStream(url(tasks[1] ?? ''), erin),
    ];
    // Twice the lease: refreshed while open, so the cap still holds.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const refused = await openStream(url(tasks[2] ?? ''), erin);
    expect(refused.response.status).toBe(429);
    for (const stream of held) stream.close();
  });
});

describe('event stream opening rate over HTTP', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let api: RunningApi;
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    const { redisUrl } = await testServices();
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
    await database.migrate();
    prefix = uniquePrefix('stream-opens');
    const config = loadConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      DATABASE_URL: testDatabase.url,
      MODELS_AS_OF: TEST_NOW,
      LOG_LEVEL: 'silent',
      API_PORT: '0',
      SSE_OPENS_PER_MINUTE: '3',
    });
    api = await startApi({ config, logger: createLogger(config), database });
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    await api.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
    await testDatabase.drop();
  });

  it('should refuse opening more than SSE_OPENS_PER_MINUTE streams with 429 rate_limited and Retry-After', async () => {
    const { key } = await createApiKey(database, { userId: 'frank' });
    const frank = { authorization: `Bearer ${key}` };
    const submitted = await fetch(`${api.url}/api/ai/generate`, {
      method: 'POST',
      headers: { ...frank, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
    });
    const { taskId } = (await submitted.json()) as { taskId: string };
    await createTaskEventPublisher({ redis, prefix }).publish(taskId, {
      type: 'cancelled',
      reason: 'test',
    });
    const url = `${api.url}/api/tasks/${taskId}/events`;
    for (let open = 0; open < 3; open += 1) {
      const response = await fetch(url, { headers: frank });
      expect(response.status).toBe(200);
      await response.text();
    }
    const refused = await fetch(url, { headers: frank });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Polling the task is not a stream: it is not held back.
    expect((await fetch(`${api.url}/api/tasks/${taskId}`, { headers: frank })).status).toBe(200);
  });
});
