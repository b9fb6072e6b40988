import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, type ParsedSse } from '../src/testing/parse-sse.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

interface AttemptRow {
  readonly cache_hit: boolean;
  readonly cost_usd: string | null;
  readonly tokens_used: number | null;
  readonly status: string;
}

/**
 * The response cache through the API and a worker process: a repeat is answered from the
 * cache with no provider request, looks like any other answer on every wire, and is on record.
 */
describe('response cache through the API', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  let client: OpenAI;
  beforeAll(async () => {
    cluster = await startApiCluster();
    alice = await cluster.keyFor('alice');
    client = cluster.openai(alice);
  });
  afterAll(() => cluster.close());

  /** Generation calls the mock received with `marker` in the prompt. */
  function providerCallsFor(marker: string): number {
    return cluster.mock
      .requests()
      .filter(
        (request) => request.method === 'POST' && JSON.stringify(request.body).includes(marker),
      ).length;
  }

  /** The task's ai_requests row, once it has left the ledger outbox. */
  async function attemptOf(taskId: string): Promise<AttemptRow | undefined> {
    const read = async () =>
      (
        await cluster.database.query<AttemptRow>(
          'SELECT cache_hit, cost_usd, tokens_used, status FROM ai_requests WHERE task_id = $1',
          [taskId],
        )
      )[0];
    await expect.poll(read, { timeout: 15_000 }).toBeDefined();
    return read();
  }

  /** `POST /api/ai/generate` as an SSE stream, read to its end. */
  async function generateStreamed(
    body: Record<string, unknown>,
  ): Promise<{ taskId: string; events: ParsedSse[] }> {
    const response = await fetch(`${cluster.apis[0] ?? ''}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', ...body }),
    });
    expect(response.status).toBe(200);
    return {
      taskId: response.headers.get('x-task-id') ?? '',
      events: parseSse(await response.text()),
    };
  }

  function textOf(events: readonly ParsedSse[]): string {
    return events
      .filter((event) => event.event === 'token')
      .map((event) => (JSON.parse(event.data) as { text: string }).text)
      .join('');
  }

  it('should answer a repeated SSE request at temperature 0 from the cache: identical text, no provider request, a zero-cost cache_hit row', async () => {
    const marker = 'Cached over SSE';
    const body = { prompt: marker, temperature: 0 };
    const first = await generateStreamed(body);
    const second = await generateStreamed(body);

    expect(providerCallsFor(marker)).toBe(1);
    expect(textOf(second.events)).toBe(textOf(first.events));
    expect(textOf(first.events).length).toBeGreaterThan(0);
    expect(second.events.map((event) => event.event)).toEqual([
      'queued',
      'started',
      'token',
      'done',
    ]);
    expect(JSON.parse(second.events.at(-1)?.data ?? '{}')).toMatchObject({ cached: true });
    expect(JSON.parse(first.events.at(-1)?.data ?? '{}')).not.toHaveProperty('cached');

    expect(await attemptOf(first.taskId)).toMatchObject({ cache_hit: false });
    expect(await attemptOf(second.taskId)).toEqual({
      cache_hit: true,
      cost_usd: '0.000000',
      tokens_used: null,
      status: 'completed',
    });
    const task = await fetch(`${cluster.apis[0] ?? ''}/api/tasks/${second.taskId}`, {
      headers: alice,
    });
    expect(await task.json()).toMatchObject({ result: { cached: true } });
  });

  it('should answer a repeated non-streaming /v1 request at temperature 0 from the cache', async () => {
    const marker = 'Cached over v1';
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-5',
        temperature: 0,
        messages: [{ role: 'user', content: marker }],
      });
    const first = await ask();
    const { data: second, response } = await ask().withResponse();

    expect(providerCallsFor(marker)).toBe(1);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(second.usage).toEqual(first.usage); // the original call's usage
    expect(await attemptOf(response.headers.get('x-task-id') ?? '')).toMatchObject({
      cache_hit: true,
      cost_usd: '0.000000',
    });
  });

  it('should stream a /v1 cache hit to the openai SDK, opted in with the cache body field, and opt out with X-Aiq-Cache: false', async () => {
    const marker = 'Cached v1 stream';
    // Temperature 0.7 is not cached by default: the extension field opts in.
    const params = {
      model: 'gpt-5',
      temperature: 0.7,
      messages: [{ role: 'user', content: marker }],
      stream: true,
      cache: true,
    } as ChatCompletionCreateParamsStreaming;
    const read = async (headers: Record<string, string> = {}) => {
      const stream = await client.chat.completions.create(params, { headers });
      let text = '';
      let finishReason: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      }
      return { text, finishReason };
    };
    const first = await read();
    const second = await read();
    expect(providerCallsFor(marker)).toBe(1);
    expect(second).toEqual(first);
    expect(first.text.length).toBeGreaterThan(0);

    const optedOut = await read({ 'x-aiq-cache': 'false' });
    expect(providerCallsFor(marker)).toBe(2);
    expect(optedOut.text).toBe(first.text); // the mock answers a prompt deterministically
  });

  it('should refuse an X-Aiq-Cache header that is neither true nor false', async () => {
    const response = await fetch(`${cluster.apis[0] ?? ''}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json', 'x-aiq-cache': 'maybe' },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.status).toBe(400);
  });
});
