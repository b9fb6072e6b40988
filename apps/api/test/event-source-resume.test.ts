import { createHash } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createApiKey } from '@aiq/auth';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher, type TaskEventPublisher } from '@aiq/events';
import { createLogger } from '@aiq/logger';
import { connectTestRedis, deletePrefix, testServices, uniquePrefix } from '@aiq/testing';
import { EventSource } from 'eventsource';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../src/start-api.js';

const GRACE_MS = 3_000;

/** A TCP proxy in front of the API whose open connections can be cut, like a network drop. */
interface DroppingProxy {
  readonly url: string;
  /** Destroys every connection through the proxy, both sides, without a clean HTTP end. */
  drop(): void;
  close(): Promise<void>;
}

async function startDroppingProxy(target: URL): Promise<DroppingProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    drop() {
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Resolves once `predicate` holds, checking every 20 ms; rejects after `timeoutMs`. */
async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a browser EventSource on a stream token', () => {
  let database: Database;
  let api: RunningApi;
  let proxy: DroppingProxy;
  let redis: Redis;
  let prefix: string;
  let events: TaskEventPublisher;
  let alice: Record<string, string>;

  beforeAll(async () => {
    const { redisUrl } = await testServices();
    prefix = uniquePrefix('event-source');
    const config = loadConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      API_PORT: '0',
      RATE_LIMIT_STANDARD_PER_MINUTE: '1000',
      SSE_STREAM_TOKEN_GRACE_MS: String(GRACE_MS),
    });
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
    api = await startApi({ config, logger: createLogger(config), database });
    proxy = await startDroppingProxy(new URL(api.url));
    redis = await connectTestRedis();
    events = createTaskEventPublisher({ redis, prefix });
    alice = { authorization: `Bearer ${(await createApiKey(database, { userId: 'alice' })).key}` };
  });
  afterAll(async () => {
    await proxy.close();
    await api.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
  });

  async function submit(): Promise<string> {
    const response = await fetch(`${api.url}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
    });
    return ((await response.json()) as { taskId: string }).taskId;
  }

  async function streamToken(taskId: string): Promise<{ token: string; eventsUrl: string }> {
    const response = await fetch(`${api.url}/api/tasks/${taskId}/stream-token`, {
      method: 'POST',
      headers: alice,
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { token: string; eventsUrl: string };
  }

  const publishTokens = async (taskId: string, from: number, to: number) => {
    for (let index = from; index <= to; index += 1) {
      await events.publish(taskId, { type: 'token', text: `t${index} ` });
    }
  };

  it('should let EventSource resume a dropped stream with its own Last-Event-ID reconnect, every event once, to done', async () => {
    const taskId = await submit();
    const { eventsUrl } = await streamToken(taskId);
    // The package's own fetch, observed: which Last-Event-ID each (re)connection sent, and what
    // the API answered.
    const requests: { lastEventId: string | null; status?: number }[] = [];
    const source = new EventSource(`${proxy.url}${eventsUrl}`, {
      fetch: async (input, init) => {
        const request = { lastEventId: new Headers(init.headers).get('last-event-id') };
        requests.push(request);
        const response = await fetch(input, init);
        Object.assign(request, { status: response.status });
        return response;
      },
    });
    const received: { id: string; type: string }[] = [];
    for (const type of ['queued', 'token', 'done']) {
      source.addEventListener(type, (event) => received.push({ id: event.lastEventId, type }));
    }
    try {
      await publishTokens(taskId, 1, 10);
      await until(() => received.length === 11); // queued + 10 tokens
      proxy.drop();
      // Published while the client is away: the resume must replay them from the log.
      await publishTokens(taskId, 11, 20);
      await until(() => requests.length === 2 && requests[1]?.status !== undefined);
      // EventSource's own reconnect: same URL, same token, its Last-Event-ID.
      expect(requests[1]).toEqual({ lastEventId: '11', status: 200 });
      await publishTokens(taskId, 21, 30);
      await events.publish(taskId, {
        type: 'done',
        model: 'gpt-5',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 30 },
      });
      await until(() => received.at(-1)?.type === 'done');
      // The server closes after `done`; EventSource reconnects once more, is told 204, and stops.
      await until(() => source.readyState === source.CLOSED);
    } finally {
      source.close();
    }
    expect(received.map((event) => Number(event.id))).toEqual(
      Array.from({ length: 32 }, (_value, index) => index + 1),
    );
    expect(received.filter((event) => event.type === 'token')).toHaveLength(30);
    expect(requests).toEqual([
      { lastEventId: null, status: 200 },
      { lastEventId: '11', status: 200 },
      { lastEventId: '32', status: 204 },
    ]);
  });

  it('should keep a stream token bound to its task, stored hashed, and refuse it a grace period after its last stream closed', async () => {
    const taskId = await submit();
    const otherTask = await submit();
    await events.publish(taskId, { type: 'cancelled', reason: 'test' });
    const { token, eventsUrl } = await streamToken(taskId);
    const open = (url: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}${url}`, { headers });
    // Redis holds only its hash, never the token.
    const hashKey = `${prefix}:stream-token:${createHash('sha256').update(token).digest('hex')}`;
    expect(await redis.exists(hashKey)).toBe(1);
    const keys = await redis.keys(`${prefix}:*`);
    const values = await Promise.all(
      keys.map((key) => redis.type(key).then((type) => (type === 'string' ? redis.get(key) : ''))),
    );
    expect([...keys, ...values].filter((text) => text?.includes(token))).toEqual([]);
    // Another task: refused, and the token still works for its own.
    const wrongTask = await open(`/api/tasks/${otherTask}/events?token=${token}`);
    expect(wrongTask.status).toBe(401);
    expect(await wrongTask.json()).toMatchObject({ error: { code: 'invalid_stream_token' } });
    const first = await open(eventsUrl);
    expect(first.status).toBe(200);
    expect((await first.text()).includes('event: cancelled')).toBe(true);
    // A reconnect after the end, within the grace: 204, so EventSource stops.
    expect((await open(eventsUrl, { 'last-event-id': '2' })).status).toBe(204);
    const again = await open(eventsUrl);
    expect(again.status).toBe(200);
    await again.text();
    // The stream closed: the token lives for the grace period, no longer.
    const ttl = await redis.pttl(hashKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(GRACE_MS);
    await until(async () => (await redis.exists(hashKey)) === 0, GRACE_MS + 2_000);
    const expired = await open(eventsUrl);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 'invalid_stream_token' } });
  });
});
