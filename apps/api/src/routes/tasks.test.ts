import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '../testing/parse-sse.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';

/** Fails a task's waiting job for good, as a worker would: taken, then moved to failed. */
async function failJob(
  queue: Queue,
  connection: Redis,
  taskId: string,
  reason: string,
): Promise<void> {
  const workerConnection = connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker(queue.name, null, {
    connection: workerConnection,
    prefix: queue.opts.prefix ?? '',
    autorun: false,
  });
  try {
    for (;;) {
      const job = await worker.getNextJob('test-token');
      if (job === undefined) throw new Error(`no waiting job for ${taskId}`);
      if (job.id === taskId) {
        await job.moveToFailed(new UnrecoverableError(reason), 'test-token', false);
        return;
      }
      await job.moveToDelayed(Date.now() + 60_000, 'test-token');
    }
  } finally {
    await worker.close();
    await workerConnection.quit();
  }
}

describe('/api/tasks routes', () => {
  let api: TestApi;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_STANDARD_PER_MINUTE: '1000' });
    alice = await api.keyFor('alice');
    bob = await api.keyFor('bob');
  });
  afterAll(() => api.close());

  async function submit(headers = alice): Promise<string> {
    const response = await api.app.request('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
      headers: { 'content-type': 'application/json', ...headers },
    });
    return ((await response.json()) as { taskId: string }).taskId;
  }

  it("should answer 404 for another user's task on every route, the stream included", async () => {
    const taskId = await submit();
    const json = { 'content-type': 'application/json' };
    const attempts = await Promise.all([
      api.app.request(`/api/tasks/${taskId}`, { headers: bob }),
      api.app.request(`/api/tasks/${taskId}/events`, { headers: bob }),
      api.app.request(`/api/tasks/${taskId}/stream-token`, { method: 'POST', headers: bob }),
      api.app.request(`/api/tasks/${taskId}`, { method: 'DELETE', headers: bob }),
      api.app.request('/api/ai/background-task/retry', {
        method: 'POST',
        body: JSON.stringify({ taskId }),
        headers: { ...json, ...bob },
      }),
    ]);
    for (const response of attempts) {
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: 'task_not_found', message: `No task ${taskId}` },
      });
    }
    const list = (await (await api.app.request('/api/tasks', { headers: bob })).json()) as {
      tasks: unknown[];
    };
    expect(list.tasks).toEqual([]);
    // Still pending: bob's DELETE changed nothing. An operator may read it.
    const operator = await api.keyFor('ops', 'operator');
    const read = await api.app.request(`/api/tasks/${taskId}`, { headers: operator });
    expect(await read.json()).toMatchObject({ id: taskId, status: 'pending' });
  });

  it('should show what a task cost: the sum of its ai_requests rows, null before any priced call', async () => {
    const carol = await api.keyFor('carol');
    const [priced, unpriced] = [await submit(carol), await submit(carol)];
    // A failed attempt and the answer: both were paid for.
    for (const cost of ['0.000150', '0.001050']) {
      await api.deps.database.query(
        `INSERT INTO ai_requests (task_id, user_id, provider, model, status, cost_usd)
         VALUES ($1, 'carol', 'openai', 'gpt-5', 'completed', $2)`,
        [priced, cost],
      );
    }
    const detail = await api.app.request(`/api/tasks/${priced}`, { headers: carol });
    expect(await detail.json()).toMatchObject({ id: priced, costUsd: 0.0012 });
    const other = await api.app.request(`/api/tasks/${unpriced}`, { headers: carol });
    expect(await other.json()).toMatchObject({ id: unpriced, costUsd: null });
    const list = (await (await api.app.request('/api/tasks', { headers: carol })).json()) as {
      tasks: { id: string; costUsd: number | null }[];
    };
    expect(list.tasks.map((task) => [task.id, task.costUsd])).toEqual([
      [unpriced, null],
      [priced, 0.0012],
    ]);
  });

  it('should list the background task types with their inputs as JSON Schema, to a signed-in caller', async () => {
    const response = await api.app.request('/api/tasks/catalog', { headers: alice });
    expect(response.status).toBe(200);
    const { types } = (await response.json()) as {
      types: { type: string; inputSchema: Record<string, unknown> }[];
    };
    // What `POST /api/ai/background-task` takes: no `ai_generation` (that is `/api/ai/generate`).
    expect(types.map((entry) => entry.type).sort()).toEqual([
      'ai_analyze_document',
      'ai_background_generation',
      'ai_ensemble',
    ]);
    const generation = types.find((entry) => entry.type === 'ai_background_generation');
    expect(generation?.inputSchema).toMatchObject({
      type: 'object',
      required: ['model', 'messages'],
      properties: {
        model: { type: 'string', minLength: 1 },
        messages: {
          type: 'array',
          items: { properties: { role: { enum: ['system', 'user', 'assistant'] } } },
        },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
      },
    });
    // Input as a submission writes it: a field with a default is not required.
    const analyze = types.find((entry) => entry.type === 'ai_analyze_document');
    expect(analyze?.inputSchema['required']).toEqual(['model', 'document']);
    const anonymous = await api.app.request('/api/tasks/catalog');
    expect(anonymous.status).toBe(401);
    const docs = (await (await api.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(docs.paths).toHaveProperty(['/api/tasks/catalog', 'get']);
  });

  it('should answer 400 for an id that is not a UUID', async () => {
    const response = await api.app.request('/api/tasks/not-a-uuid', { headers: alice });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('should list the caller’s tasks newest first, by page and by status', async () => {
    const dave = await api.keyFor('dave');
    const ids = [await submit(dave), await submit(dave), await submit(dave)];
    const first = (await (
      await api.app.request('/api/tasks?limit=2', { headers: dave })
    ).json()) as { tasks: { id: string }[]; nextCursor: string };
    const second = (await (
      await api.app.request(`/api/tasks?limit=2&cursor=${first.nextCursor}`, { headers: dave })
    ).json()) as { tasks: { id: string }[]; nextCursor: string | null };
    expect([...first.tasks, ...second.tasks].map((task) => task.id)).toEqual(ids.reverse());
    expect(second.nextCursor).toBeNull();
    const done = await api.app.request('/api/tasks?status=completed', { headers: dave });
    expect(await done.json()).toEqual({ tasks: [], nextCursor: null });
    const bad = await api.app.request('/api/tasks?status=lost&limit=0', { headers: dave });
    expect(bad.status).toBe(400);
  });

  it("should let operators list everyone's tasks or one user's, and nobody else list another's", async () => {
    const erin = await api.keyFor('erin');
    const erinTask = await submit(erin);
    const operator = await api.keyFor('ops-lister', 'operator');
    const listIds = async (query: string, headers: Record<string, string>) => {
      const response = await api.app.request(`/api/tasks${query}`, { headers });
      return ((await response.json()) as { tasks: { id: string; userId?: string }[] }).tasks.map(
        (task) => task.id,
      );
    };
    expect(await listIds('?limit=100', operator)).toContain(erinTask);
    expect(await listIds('?user=erin', operator)).toEqual([erinTask]);
    expect(await listIds('?user=erin', erin)).toEqual([erinTask]);
    expect(await listIds('', alice)).not.toContain(erinTask);
    const refused = await api.app.request('/api/tasks?user=erin', { headers: alice });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('should replay a finished task’s events with sequence ids, resume after Last-Event-ID and close', async () => {
    const taskId = await submit();
    await api.deps.events.publish(taskId, {
      type: 'started',
      attempt: 1,
      provider: 'openai',
      model: 'gpt-5',
    });
    await api.deps.events.publish(taskId, { type: 'token', text: 'Hello' });
    await api.deps.events.publish(taskId, { type: 'token', text: ' world' });
    const usage = { inputTokens: 3, outputTokens: 2 };
    await api.deps.events.publish(taskId, {
      type: 'done',
      model: 'gpt-5',
      finishReason: 'stop',
      usage,
    });
    const all = await api.app.request(`/api/tasks/${taskId}/events`, { headers: alice });
    expect(all.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await all.text());
    expect(events.map((event) => [event.id, event.event])).toEqual([
      ['1', 'queued'],
      ['2', 'started'],
      ['3', 'token'],
      ['4', 'token'],
      ['5', 'done'],
    ]);
    expect(JSON.parse(events[2]?.data ?? '')).toMatchObject({ taskId, sequence: 3, text: 'Hello' });
    const resumed = await api.app.request(`/api/tasks/${taskId}/events`, {
      headers: { ...alice, 'last-event-id': '3' },
    });
    expect(parseSse(await resumed.text()).map((event) => event.id)).toEqual(['4', '5']);
  });

  it('should open a stream with a token bound to one task, reusable by a resume, and no API key', async () => {
    const taskId = await submit();
    const otherTask = await submit();
    await api.deps.events.publish(taskId, { type: 'cancelled', reason: 'test' });
    const created = await api.app.request(`/api/tasks/${taskId}/stream-token`, {
      method: 'POST',
      headers: alice,
    });
    expect(created.status).toBe(201);
    const { token, eventsUrl } = (await created.json()) as { token: string; eventsUrl: string };
    expect(eventsUrl).toBe(`/api/tasks/${taskId}/events?token=${token}`);
    expect(token).not.toMatch(/^aiq_/);
    const wrongTask = await api.app.request(`/api/tasks/${otherTask}/events?token=${token}`);
    expect(wrongTask.status).toBe(401);
    // Refused for another task, still good for its own.
    const opened = await api.app.request(eventsUrl);
    expect(opened.status).toBe(200);
    expect(parseSse(await opened.text()).map((event) => event.event)).toEqual([
      'queued',
      'cancelled',
    ]);
    // EventSource's reconnect after the end: the same URL with Last-Event-ID gets 204.
    const resumed = await api.app.request(eventsUrl, { headers: { 'last-event-id': '2' } });
    expect(resumed.status).toBe(204);
    const unknown = await api.app.request(`/api/tasks/${taskId}/events?token=aiqst_unknown`);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 'invalid_stream_token' } });
  });

  it('should cancel a waiting task once, end its stream with cancelled, and refuse to retry it', async () => {
    const taskId = await submit();
    const cancelled = await api.app.request(`/api/tasks/${taskId}`, {
      method: 'DELETE',
      headers: alice,
    });
    expect(await cancelled.json()).toEqual({ taskId, status: 'cancelled' });
    expect(await api.deps.queues['generate-openai'].getJob(taskId)).toBeUndefined();
    const again = await api.app.request(`/api/tasks/${taskId}`, {
      method: 'DELETE',
      headers: alice,
    });
    expect(again.status).toBe(409);
    const stream = await api.app.request(`/api/tasks/${taskId}/events`, { headers: alice });
    expect(parseSse(await stream.text()).at(-1)?.event).toBe('cancelled');

    const retried = await api.app.request(`/api/tasks/${taskId}/retry`, {
      method: 'POST',
      headers: alice,
    });
    expect(retried.status).toBe(409);
    expect(await retried.json()).toEqual({
      error: {
        code: 'task_not_retryable',
        message: `Task ${taskId} is cancelled; only failed or timed-out tasks can be retried`,
      },
    });
  });

  it('should retry a failed task on its own id: pending, a fresh job and deadline, retried on its stream, audited', async () => {
    const taskId = await submit();
    const queue = api.deps.queues['generate-openai'];
    // As a worker would leave it: the job failed for good, the row says why, the stream ended.
    await failJob(queue, api.deps.redis, taskId, 'auth: bad key');
    expect(await (await queue.getJob(taskId))?.getState()).toBe('failed');
    await api.deps.events.publish(taskId, {
      type: 'error',
      code: 'auth',
      message: 'bad key',
      retryable: false,
    });
    await api.deps.database.query(
      `UPDATE background_tasks SET status = 'failed', error_code = 'auth', error_message = 'bad key',
         completed_at = now(), deadline_at = now() - interval '1 hour', attempts = 1 WHERE id = $1`,
      [taskId],
    );
    const ended = await api.app.request(`/api/tasks/${taskId}/events`, { headers: alice });
    const lastEventId = parseSse(await ended.text()).at(-1)?.id ?? '';

    const retried = await api.app.request(`/api/tasks/${taskId}/retry`, {
      method: 'POST',
      headers: alice,
    });
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({
      taskId,
      retried: true,
      status: 'pending',
      retryCount: 1,
      eventsUrl: `/api/tasks/${taskId}/events`,
    });
    const task = (await (
      await api.app.request(`/api/tasks/${taskId}`, { headers: alice })
    ).json()) as Record<string, unknown>;
    expect(task).toMatchObject({ status: 'pending', error: null, retryCount: 1, attempts: 0 });
    const fresh = await queue.getJob(taskId);
    expect(await fresh?.getState()).toBe('waiting');
    expect(fresh?.attemptsMade).toBe(0);
    expect(fresh?.data).toMatchObject({ taskId, retry: 1 });
    expect((fresh?.data as { deadlineAt: number }).deadlineAt).toBeGreaterThan(Date.now());

    // A client that resumes after the `error` it already had now gets `retried`, and waits.
    const controller = new AbortController();
    const resumed = await api.app.request(`/api/tasks/${taskId}/events`, {
      headers: { ...alice, 'last-event-id': lastEventId },
      signal: controller.signal,
    });
    expect(resumed.status).toBe(200);
    const reader = (resumed.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: retried')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(parseSse(text).map((event) => [event.event, JSON.parse(event.data) as unknown])).toEqual(
      [['retried', expect.objectContaining({ retryCount: 1, door: 'api', by: 'alice' })]],
    );

    // A second retry while the task is open changes nothing, and says so.
    const second = await api.app.request('/api/ai/background-task/retry', {
      method: 'POST',
      body: JSON.stringify({ taskId }),
      headers: { 'content-type': 'application/json', ...alice },
    });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ retried: false, status: 'pending', retryCount: 1 });
    expect(
      await api.deps.database.query(
        `SELECT action, door, actor, task_ids, changed FROM operator_actions
         WHERE task_ids @> $1::jsonb ORDER BY created_at`,
        [JSON.stringify([taskId])],
      ),
    ).toEqual([
      { action: 'retry', door: 'api', actor: 'alice', task_ids: [taskId], changed: 1 },
      { action: 'retry', door: 'api', actor: 'alice', task_ids: [taskId], changed: 0 },
    ]);
  });

  it("should retry every failed task of a queue from Bull Board's Retry all, on their own ids", async () => {
    const queue = api.deps.queues['generate-openai'];
    await queue.drain(true);
    const taskIds = [await submit(), await submit()];
    for (const taskId of taskIds) {
      await failJob(queue, api.deps.redis, taskId, 'server_error: down');
      await api.deps.database.query(
        "UPDATE background_tasks SET status = 'failed', error_code = 'server_error' WHERE id = $1",
        [taskId],
      );
    }
    const operator = await api.keyFor('ops-all', 'operator');
    const response = await api.app.request(
      '/admin/queues/api/queues/generate-openai/retry/failed',
      {
        method: 'PUT',
        headers: operator,
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ retried: 2 });
    for (const taskId of taskIds) {
      const job = await queue.getJob(taskId);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.data).toMatchObject({ retry: 1 });
      const task = (await (
        await api.app.request(`/api/tasks/${taskId}`, { headers: alice })
      ).json()) as Record<string, unknown>;
      expect(task).toMatchObject({ status: 'pending', retryCount: 1 });
    }
    expect(
      await api.deps.database.query(
        "SELECT door, actor, changed FROM operator_actions WHERE actor = 'ops-all'",
      ),
    ).toEqual([
      { door: 'bull_board', actor: 'ops-all', changed: 1 },
      { door: 'bull_board', actor: 'ops-all', changed: 1 },
    ]);
  });

  it('should end a waiting stream when the task ends without its terminal event being published', async () => {
    const taskId = await submit();
    const stream = await api.app.request(`/api/tasks/${taskId}/events`, { headers: alice });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: queued')) text += decoder.decode((await reader.read()).value);
    // Past the stream's first look at the row: it is open and waiting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The task ends in the ledger only (a worker killed between its ledger write and its
    // publish, or a repair by the reconciler).
    await api.deps.database.query(
      `UPDATE background_tasks SET status = 'failed', error_code = 'server_error',
         error_message = 'gone', completed_at = now() WHERE id = $1`,
      [taskId],
    );
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const events = parseSse(text);
    expect(events.map((event) => event.event)).toEqual(['queued', 'error']);
    expect(JSON.parse(events[1]?.data ?? '{}')).toMatchObject({
      code: 'server_error',
      message: 'gone',
    });
  });

  it('should answer 204 to a resume after the terminal event, so EventSource stops reconnecting', async () => {
    const taskId = await submit();
    await api.app.request(`/api/tasks/${taskId}`, { method: 'DELETE', headers: alice });
    const stream = await api.app.request(`/api/tasks/${taskId}/events`, { headers: alice });
    const last = parseSse(await stream.text()).at(-1);
    expect(last?.event).toBe('cancelled');
    const resumed = await api.app.request(`/api/tasks/${taskId}/events`, {
      headers: { ...alice, 'last-event-id': last?.id ?? '' },
    });
    expect(resumed.status).toBe(204);
  });
});
