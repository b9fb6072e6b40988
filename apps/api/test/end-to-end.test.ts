import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, type ParsedSse } from '../src/testing/parse-sse.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import { readSse } from './harness/read-sse.js';

describe('API and worker processes end to end', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster({ apiCount: 2 });
    alice = await cluster.keyFor('alice');
  });
  afterAll(() => cluster.close());

  async function submitLong(tokens = 500): Promise<string> {
    const response = await fetch(`${cluster.apis[0]}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-5',
        prompt: `Tell me a long story [[mock tokens=${tokens} delay=5]]`,
        max_tokens: 1000,
        stream: false,
      }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }

  /**
   * Streams a task with `disconnects` disconnections, resuming each time with Last-Event-ID on
   * the next API process in `apis`, and returns every event received.
   */
  async function streamWithDisconnects(
    taskId: string,
    apis: readonly string[],
    disconnects: number,
  ) {
    const received: ParsedSse[] = [];
    for (let connection = 0; ; connection += 1) {
      const api = apis[connection % apis.length] ?? '';
      const lastEventId = received.at(-1)?.id;
      const events = await readSse(`${api}/api/tasks/${taskId}/events`, {
        headers: { ...alice, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        ...(connection < disconnects ? { stopAfter: 15 + connection * 3 } : {}),
      });
      received.push(...events);
      const last = received.at(-1)?.event;
      if (last === 'done' || last === 'error' || last === 'cancelled') return received;
      if (connection > disconnects + 2) throw new Error('the stream did not end');
    }
  }

  function tokenText(events: readonly ParsedSse[]): string {
    return events
      .filter((event) => event.event === 'token')
      .map((event) => (JSON.parse(event.data) as { text: string }).text)
      .join('');
  }

  /**
   * Every event once, in order (ids 1…n with no gap or repeat), ending in `done`, and the text
   * reassembled from the token events equal to the stored result. A worker sends the deltas
   * that arrive while an event is in flight as one event, so events count no tokens.
   */
  async function expectEveryTokenOnce(taskId: string, events: ParsedSse[], tokens: number) {
    expect(events.map((event) => Number(event.id))).toEqual(
      events.map((_event, index) => index + 1),
    );
    expect(events.at(-1)?.event).toBe('done');
    const text = tokenText(events);
    expect(text.split(' ')).toHaveLength(tokens);
    // The ledger writes the result a moment after `done` goes out.
    const storedText = async () => {
      const task = await fetch(`${cluster.apis[0]}/api/tasks/${taskId}`, { headers: alice });
      return ((await task.json()) as { result: { text: string } | null }).result?.text;
    };
    await expect.poll(storedText, { timeout: 10_000 }).toBe(text);
  }

  it('should give an SSE client that disconnects 10 times during a 500-token generation every token exactly once', async () => {
    const taskId = await submitLong();
    const events = await streamWithDisconnects(taskId, [cluster.apis[0] ?? ''], 10);
    await expectEveryTokenOnce(taskId, events, 500);
  });

  it('should give a client moving between two API processes mid-stream every token exactly once', async () => {
    const taskId = await submitLong();
    const events = await streamWithDisconnects(taskId, cluster.apis, 10);
    await expectEveryTokenOnce(taskId, events, 500);
  });

  it('should stream a generation from POST /api/ai/generate to its done event', async () => {
    const response = await fetch(`${cluster.apis[1]}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', prompt: 'Hi [[mock tokens=5]]' }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const taskId = response.headers.get('x-task-id');
    const events = parseSse(await response.text());
    // `queued` and `started` may come in either order: the worker can start before the API
    // has published `queued` (submitTask enqueues first).
    expect(
      events
        .slice(0, 2)
        .map((event) => event.event)
        .sort(),
    ).toEqual(['queued', 'started']);
    const rest = events.slice(2).map((event) => event.event);
    expect(rest.at(-1)).toBe('done');
    expect(new Set(rest.slice(0, -1))).toEqual(new Set(['token']));
    expect(tokenText(events).split(' ')).toHaveLength(5);
    expect(JSON.parse(events.at(-1)?.data ?? '')).toMatchObject({
      taskId,
      type: 'done',
      model: 'claude-haiku-4-5',
      usage: { outputTokens: 5 },
    });
  });

  it('should serve the official openai SDK, plain and streaming, through the queue', async () => {
    const client = cluster.openai(alice);
    const messages = [{ role: 'user' as const, content: 'Say hello [[mock tokens=8]]' }];
    const completion = await client.chat.completions.create({ model: 'gpt-5', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const text = completion.choices[0]?.message.content ?? '';
    expect(text.split(' ')).toHaveLength(8);
    expect(completion.usage).toMatchObject({ completion_tokens: 8 });

    const stream = await client.chat.completions.create({
      model: 'gpt-5',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let finishReason: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      finishReason ??= chunk.choices[0]?.finish_reason;
      usage ??= chunk.usage;
    }
    // The mock answers the same conversation with the same words.
    expect(streamed).toBe(text);
    expect(finishReason).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 8 });

    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-5');
    await expect(
      client.chat.completions.create({ model: 'gpt-1', messages }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('should give the openai SDK a 400 context_length_exceeded for a prompt over the window, so it never retries', async () => {
    // The SDK's default retries: it retries 5xx, never 400.
    const client = cluster.openai(alice, { maxRetries: 2 });
    const before = cluster.mock.requests({ provider: 'openai' }).length;
    // The provider refuses it (our estimate let it through): raised by the worker.
    const refusedByProvider = [{ role: 'user' as const, content: 'Hi [[mock context_length]]' }];
    for (const stream of [false, true]) {
      const call = async () => {
        const response = await client.chat.completions.create({
          model: 'gpt-5',
          messages: refusedByProvider,
          stream,
        });
        if (stream) for await (const _chunk of response as AsyncIterable<unknown>) void _chunk;
      };
      await expect(call()).rejects.toMatchObject({
        ...(stream ? {} : { status: 400 }),
        code: 'context_length_exceeded',
      });
    }
    // One provider call per request: no retry by the SDK, the queue or a fallback.
    expect(cluster.mock.requests({ provider: 'openai' }).length - before).toBe(2);
    // Over the window by our own count: refused by the API before anything runs.
    await expect(
      client.chat.completions.create({
        model: 'deepseek-chat',
        messages: [{ role: 'user', content: 'word '.repeat(70_000) }],
      }),
    ).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
