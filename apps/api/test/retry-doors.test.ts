import { runbookQueries } from '@aiq/db';
import { DeadLetterJob } from '@aiq/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, type ParsedSse } from '../src/testing/parse-sse.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

/** An SSE client that keeps what arrives, as a browser tab following a task would. */
function follow(url: string, headers: Record<string, string>) {
  const events: ParsedSse[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const response = await fetch(url, { headers, signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += decoder.decode(value, { stream: true });
      const complete = buffer.lastIndexOf('\n\n');
      if (complete === -1) continue;
      events.push(...parseSse(buffer.slice(0, complete + 2)));
      buffer = buffer.slice(complete + 2);
    }
  })().catch(() => undefined);
  return {
    events,
    types: () => events.map((event) => event.event),
    async close() {
      controller.abort();
      await done;
    },
  };
}

function typesOf(events: readonly ParsedSse[]): (string | undefined)[] {
  return events.map((event) => event.event);
}

/** Where a retried generation's events must go: its failure, the retry, then a whole new run. */
function expectFailedThenRetried(types: readonly (string | undefined)[]) {
  const error = types.indexOf('error');
  expect(error).toBeGreaterThanOrEqual(0);
  expect(types.slice(error, error + 3)).toEqual(['error', 'retried', 'started']);
  expect(types.slice(error + 3)).toContain('token');
  expect(types.at(-1)).toBe('done');
  expect(types.filter((type) => type === 'done')).toHaveLength(1);
}

describe('retry doors on separate API and worker processes', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  let operator: Record<string, string>;
  let redis: Redis;
  let deadLetters: Queue;
  beforeAll(async () => {
    cluster = await startApiCluster({
      env: {
        // The runbook's SQL door: the reconciler looks every half second at rows idle for 1 s.
        RECONCILE_INTERVAL_MS: '500',
        RECONCILE_GRACE_MS: '1000',
        // A deadline that has passed by the time an operator gets to the failed task.
        GENERATE_TIMEOUT_MS: '800',
        GENERATE_RETRY_ATTEMPTS: '2',
        GENERATE_RETRY_BASE_DELAY_MS: '50',
        GENERATE_RETRY_MAX_DELAY_MS: '100',
      },
    });
    alice = await cluster.keyFor('alice');
    operator = await cluster.keyFor('ops', 'operator');
    redis = new Redis(cluster.redisUrl, { maxRetriesPerRequest: null });
    deadLetters = new Queue('dead-letter', { connection: redis, prefix: cluster.prefix });
  });
  afterAll(async () => {
    await deadLetters.close();
    await redis.quit();
    await cluster.close();
  });

  /** The dead-letter entry of a task's first run, once the worker has written it. */
  async function deadLetter(taskId: string) {
    const job = await deadLetters.getJob(taskId);
    return job === undefined ? undefined : DeadLetterJob.parse(job.data);
  }

  const api = () => cluster.apis[0] ?? '';

  /** A generation the provider refuses once with 401, which fails for good (no fallback). */
  async function failedGeneration(prompt: string): Promise<string> {
    cluster.mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
    const response = await fetch(`${api()}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', prompt, stream: false, fallback: false }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }

  async function task(taskId: string) {
    const response = await fetch(`${api()}/api/tasks/${taskId}`, { headers: alice });
    return (await response.json()) as Record<string, unknown>;
  }

  async function auditRows(taskId: string) {
    return cluster.database.query(
      `SELECT action, door, actor, changed FROM operator_actions
       WHERE task_ids @> $1::jsonb ORDER BY created_at`,
      [JSON.stringify([taskId])],
    );
  }

  it('should finish a failed task on its own id when an operator presses Retry in Bull Board', async () => {
    const taskId = await failedGeneration('Bull Board [[mock tokens=4]]');
    const follower = follow(`${api()}/api/tasks/${taskId}/events?follow=retries`, alice);
    await expect
      .poll(() => task(taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'failed',
        error: { code: 'auth' },
      });
    await expect.poll(() => follower.types()).toContain('error');

    // What Bull Board's Retry button sends for a failed job.
    const retry = await fetch(`${api()}/admin/queues/api/queues/generate-openai/${taskId}/retry`, {
      method: 'PUT',
      headers: operator,
    });
    expect(retry.status).toBe(204);

    await expect
      .poll(() => task(taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'completed',
        retryCount: 1,
        attempts: 1,
        error: null,
        result: { text: expect.any(String) as unknown },
      });
    await expect.poll(() => follower.types().at(-1), { timeout: 10_000 }).toBe('done');
    await follower.close();
    expectFailedThenRetried(follower.types());
    expect(
      JSON.parse(follower.events.find((event) => event.event === 'retried')?.data ?? '{}'),
    ).toMatchObject({ door: 'bull_board', by: 'ops', retryCount: 1 });

    // A client that resumes from before the error gets every later event once, then the end.
    const errorAt = follower.events.findIndex((event) => event.event === 'error');
    const before = follower.events[errorAt - 1]?.id ?? '0';
    const resumed = await fetch(`${api()}/api/tasks/${taskId}/events`, {
      headers: { ...alice, 'last-event-id': before },
    });
    const replayed = parseSse(await resumed.text());
    expect(replayed.map((event) => event.id)).toEqual(
      follower.events.slice(errorAt).map((event) => event.id),
    );
    expectFailedThenRetried(typesOf(replayed));

    const calls = cluster.mock
      .requests({ provider: 'openai' })
      .filter((call) => JSON.stringify(call.body).includes('Bull Board'));
    expect(calls.map((call) => call.status)).toEqual([401, 200]);
    expect(await auditRows(taskId)).toEqual([
      { action: 'retry', door: 'bull_board', actor: 'ops', changed: 1 },
    ]);
  });

  it("should finish a task older than its deadline after the runbook's bulk-retry SQL, verbatim", async () => {
    const taskId = await failedGeneration('Runbook SQL [[mock tokens=3]]');
    await expect.poll(() => task(taskId), { timeout: 10_000 }).toMatchObject({ status: 'failed' });
    // Past the whole task's deadline: the old job could only time out again.
    const [row] = await cluster.database.query<{ past: boolean }>(
      'SELECT deadline_at < now() AS past FROM background_tasks WHERE id = $1',
      [taskId],
    );
    if (!row?.past) await new Promise((resolve) => setTimeout(resolve, 2_000));

    await cluster.database.query(runbookQueries.bulkRetry);

    await expect
      .poll(() => task(taskId), { timeout: 15_000 })
      .toMatchObject({
        status: 'completed',
        retryCount: 1,
        error: null,
      });
    const stream = await fetch(`${api()}/api/tasks/${taskId}/events`, { headers: alice });
    const events = parseSse(await stream.text());
    expectFailedThenRetried(typesOf(events));
    expect(
      JSON.parse(events.find((event) => event.event === 'retried')?.data ?? '{}'),
    ).toMatchObject({ door: 'sql', by: 'database', retryCount: 1 });
    expect(await auditRows(taskId)).toEqual([
      { action: 'retry', door: 'sql', actor: 'database', changed: 1 },
    ]);
  });

  it('should retry a failed generation and a failed background task through the API', async () => {
    const generation = await failedGeneration('API door [[mock tokens=3]]');
    cluster.mock.addScenario({ provider: 'anthropic', fault: 'invalid_key', count: 1 });
    const submitted = await fetch(`${api()}/api/ai/background-task`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'ai_background_generation',
        input: {
          model: 'claude-haiku-4-5',
          messages: [{ role: 'user', content: 'Background door [[mock tokens=3]]' }],
        },
      }),
    });
    const background = ((await submitted.json()) as { taskId: string }).taskId;
    for (const taskId of [generation, background]) {
      await expect
        .poll(() => task(taskId), { timeout: 10_000 })
        .toMatchObject({
          status: 'failed',
        });
    }

    const byRoute = await fetch(`${api()}/api/tasks/${generation}/retry`, {
      method: 'POST',
      headers: alice,
    });
    expect(byRoute.status).toBe(202);
    // The runbook's curl, on the alias.
    const byAlias = await fetch(`${api()}/api/ai/background-task/retry`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ taskId: background }),
    });
    expect(byAlias.status).toBe(202);
    expect(await byAlias.json()).toMatchObject({
      taskId: background,
      retried: true,
      retryCount: 1,
    });

    for (const taskId of [generation, background]) {
      await expect
        .poll(() => task(taskId), { timeout: 10_000 })
        .toMatchObject({
          status: 'completed',
          retryCount: 1,
        });
      expect(await auditRows(taskId)).toEqual([
        { action: 'retry', door: 'api', actor: 'alice', changed: 1 },
      ]);
    }
    // Completed now: nothing to retry.
    const again = await fetch(`${api()}/api/tasks/${generation}/retry`, {
      method: 'POST',
      headers: alice,
    });
    expect(again.status).toBe(409);
  });

  it('should replay a dead letter from Bull Board, and dead-letter a second failure apart', async () => {
    const taskId = await failedGeneration('Dead letter [[mock tokens=3]]');
    await expect
      .poll(() => deadLetter(taskId), { timeout: 10_000 })
      .toMatchObject({
        failures: [{ errorCode: 'auth' }],
      });
    await expect
      .poll(() => task(taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'failed',
      });
    // The second run fails too: it gets its own dead-letter entry.
    cluster.mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
    const replay = await fetch(`${api()}/admin/queues/api/queues/dead-letter/${taskId}/retry`, {
      method: 'PUT',
      headers: operator,
    });
    expect(replay.status).toBe(204);
    expect(await deadLetter(taskId)).toMatchObject({ replayed: { door: 'bull_board', by: 'ops' } });
    await expect
      .poll(async () => (await deadLetters.getJob(`${taskId}-r1`))?.data as unknown, {
        timeout: 10_000,
      })
      .toMatchObject({ taskId, retry: 1, failures: [{ errorCode: 'auth' }] });
    await expect
      .poll(() => task(taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'failed',
        retryCount: 1,
      });
    // Retry on either entry retries the task itself, failed again: a third run, which completes.
    const again = await fetch(`${api()}/admin/queues/api/queues/dead-letter/${taskId}/retry`, {
      method: 'PUT',
      headers: operator,
    });
    expect(again.status).toBe(204);
    await expect
      .poll(() => task(taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'completed',
        retryCount: 2,
      });
  });

  it('should answer the official SDK 400 context_length_exceeded when the provider refuses the prompt, with one provider call', async () => {
    const { authorization = '' } = alice;
    const client = new OpenAI({
      apiKey: authorization.replace('Bearer ', ''),
      baseURL: `${api()}/v1`,
    });
    cluster.mock.addScenario({ provider: 'openai', fault: 'context_length', count: 1 });
    cluster.mock.clearRequests();
    const refused = await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'A long one' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, code: 'context_length_exceeded' });
    // The SDK retries 5xx and 429 twice; a 400 is final, so the provider was called once.
    expect(cluster.mock.requests()).toHaveLength(1);
  });
});
