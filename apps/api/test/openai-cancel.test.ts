import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

/**
 * `/v1` has no resume: a stream aiq ends, or a client that leaves, gets nothing more from its
 * task, so the task is cancelled instead of paying a provider for an answer nobody receives.
 */
describe('/v1 cancels the work nobody will receive', () => {
  let cluster: ApiCluster;
  let client: OpenAI;
  let alice: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster({
      env: { GENERATE_RETRY_BASE_DELAY_MS: '50', GENERATE_RETRY_MAX_DELAY_MS: '100' },
    });
    alice = await cluster.keyFor('alice');
    client = cluster.openai(alice);
  });
  afterAll(() => cluster.close());

  /** The task's row once it has ended. */
  async function endOf(taskId: string) {
    const read = async () =>
      (
        await cluster.database.query<{ status: string; error_message: string | null }>(
          'SELECT status, error_message FROM background_tasks WHERE id = $1',
          [taskId],
        )
      )[0];
    await expect
      .poll(async () => (await read())?.status, { timeout: 20_000 })
      .toMatch(/^(completed|failed|timeout|cancelled)$/);
    return read();
  }

  it('should cancel the task when a mid-stream retry ends the stream with stream_reset', async () => {
    // The first call drops after 3 tokens; the retry would stream 300 tokens for 6 s more.
    cluster.mock.addScenario({
      provider: 'openai',
      fault: { fault: 'disconnect', after: 3, tokens: 300, tokenDelayMs: 20 },
      count: 1,
    });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'A long answer [[mock tokens=300 delay=20]]' }],
        stream: true,
      })
      .withResponse();
    const taskId = response.headers.get('x-task-id') ?? '';
    let streamed = '';
    const read = async () => {
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(read()).rejects.toMatchObject({ code: 'stream_reset' });
    expect(streamed.length).toBeGreaterThan(0);

    expect(await endOf(taskId)).toMatchObject({ status: 'cancelled' });
    expect((await endOf(taskId))?.error_message).toMatch(/stream was reset/);
  }, 60_000);

  it('should cancel the task when a streaming client disconnects', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'Stream then leave [[mock tokens=400 delay=20]]' }],
        stream: true,
      })
      .withResponse();
    const taskId = response.headers.get('x-task-id') ?? '';
    let chunks = 0;
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta.content ?? '') !== '') chunks += 1;
      if (chunks === 5) break; // leaving the loop aborts the SDK's request
    }
    expect(await endOf(taskId)).toMatchObject({
      status: 'cancelled',
      error_message: 'the client disconnected',
    });
  }, 60_000);

  it('should cancel the task when a non-streaming client disconnects', async () => {
    const controller = new AbortController();
    const request = fetch(`${cluster.apis[0]}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'Wait then leave [[mock tokens=400 delay=20]]' }],
      }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    const processing = async () =>
      (
        await cluster.database.query<{ id: string }>(
          `SELECT id FROM background_tasks WHERE user_id = 'alice' AND status = 'processing'
             AND input::text LIKE '%Wait then leave%'`,
        )
      )[0]?.id;
    await expect.poll(processing, { timeout: 10_000 }).toBeDefined();
    const taskId = (await processing()) ?? '';
    controller.abort();
    expect(await request).toMatchObject({ name: 'AbortError' });
    expect(await endOf(taskId)).toMatchObject({
      status: 'cancelled',
      error_message: 'the client disconnected',
    });
  }, 60_000);
});
