import type { TaskEvent } from '@aiq/events';
import type { Submission } from '@aiq/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flightKey } from '../src/response-cache/flight-lease.js';
import { responseCacheKey } from '../src/response-cache/response-cache-key.js';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

/** The text a task's client received: its tokens, in order. */
function textOf(events: readonly TaskEvent[]): string {
  return events.map((event) => (event.type === 'token' ? event.text : '')).join('');
}

/** Generation calls the mock received (its request log is the oracle). */
function providerCalls(harness: WorkerHarness): number {
  return harness.mock.requests().filter((request) => request.method === 'POST').length;
}

/** Submits, waits for the end, and returns the events. */
async function run(harness: WorkerHarness, submission: Submission) {
  const { taskId } = await harness.submit(submission);
  const events = await harness.events.waitForTerminal(taskId);
  expect(events.at(-1)).toMatchObject({ type: 'done' });
  return { taskId, events };
}

/** Redis keys of cached answers under the harness's prefix. */
async function cachedKeys(harness: WorkerHarness): Promise<string[]> {
  return harness.redis.keys(`${harness.config.redis.prefix}:response-cache:v1:*`);
}

describe('response cache (one worker)', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness();
  });
  afterAll(() => harness.close());

  it('should answer a repeat at temperature 0 with identical text, no provider request and a zero-cost cache_hit row', async () => {
    const request = generation('gpt-5', 'Name three queues.', { temperature: 0 });
    const first = await run(harness, request);
    const callsAfterFirst = providerCalls(harness);
    const second = await run(harness, request);

    expect(providerCalls(harness)).toBe(callsAfterFirst);
    expect(textOf(second.events)).toBe(textOf(first.events));
    expect(textOf(second.events).length).toBeGreaterThan(0);
    expect(first.events.at(-1)).not.toHaveProperty('cached');
    expect(second.events.at(-1)).toMatchObject({
      type: 'done',
      cached: true,
      model: (first.events.at(-1) as { model: string }).model,
      usage: (first.events.at(-1) as { usage: unknown }).usage,
    });

    await harness.worker.flushLedger();
    const [original] = await harness.attempts(first.taskId);
    const [hit] = await harness.attempts(second.taskId);
    expect(original).toMatchObject({ status: 'completed', cache_hit: false });
    expect(Number(original?.['cost_usd'])).toBeGreaterThan(0);
    // The `done` event carries the cost its row records: the call's, and nothing for a hit.
    const firstDone = first.events.at(-1) as { costUsd?: number };
    expect(firstDone.costUsd).toBeCloseTo(Number(original?.['cost_usd']), 6);
    expect(second.events.at(-1)).toMatchObject({ costUsd: 0 });
    expect(hit).toMatchObject({
      status: 'completed',
      cache_hit: true,
      cost_usd: '0.000000',
      tokens_used: null,
      response: textOf(first.events),
      finish_reason: original?.['finish_reason'],
    });
    expect(await harness.task(second.taskId)).toMatchObject({
      status: 'completed',
      result: expect.objectContaining({ cached: true, text: textOf(first.events) }) as unknown,
    });
  });

  it('should not cache at temperature 0.7 unless the request says cache: true', async () => {
    const before = providerCalls(harness);
    const warm = generation('gpt-5', 'A warm answer, please.', { temperature: 0.7 });
    await run(harness, warm);
    await run(harness, warm);
    expect(providerCalls(harness)).toBe(before + 2);

    const optedIn = generation('gpt-5', 'A warm answer, kept.', { temperature: 0.7, cache: true });
    const first = await run(harness, optedIn);
    const second = await run(harness, optedIn);
    expect(providerCalls(harness)).toBe(before + 3);
    expect(textOf(second.events)).toBe(textOf(first.events));
    expect(second.events.at(-1)).toMatchObject({ cached: true });
  });

  it('should not cache when temperature is absent (the provider default)', async () => {
    const before = providerCalls(harness);
    const request = generation('gpt-5', 'No temperature given.');
    await run(harness, request);
    await run(harness, request);
    expect(providerCalls(harness)).toBe(before + 2);
  });

  it('should call the provider every time for cache: false, even at temperature 0', async () => {
    const before = providerCalls(harness);
    const request = generation('gpt-5', 'Never from the cache.', { temperature: 0, cache: false });
    await run(harness, request);
    const second = await run(harness, request);
    expect(providerCalls(harness)).toBe(before + 2);
    expect(second.events.at(-1)).not.toHaveProperty('cached');
  });

  it('should not share a key between different messages, max tokens, temperatures or models', async () => {
    const base = generation('gpt-5', 'The base prompt.', { temperature: 0, cache: true });
    const variants: Submission[] = [
      base,
      generation('gpt-5', 'Another prompt.', { temperature: 0, cache: true }),
      generation('gpt-5', 'The base prompt.', { temperature: 0, cache: true, maxTokens: 7 }),
      generation('gpt-5', 'The base prompt.', { temperature: 0.2, cache: true }),
      generation('gpt-5.6-sol', 'The base prompt.', { temperature: 0, cache: true }),
      {
        ...base,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'The base prompt.' },
        ],
      } as Submission,
    ];
    const before = providerCalls(harness);
    for (const variant of variants) await run(harness, variant);
    expect(providerCalls(harness)).toBe(before + variants.length);
    const again = await run(harness, base); // and the base is still there
    expect(providerCalls(harness)).toBe(before + variants.length);
    expect(again.events.at(-1)).toMatchObject({ cached: true });
  });

  it('should never cache a content-filtered answer', async () => {
    const before = providerCalls(harness);
    const keysBefore = (await cachedKeys(harness)).length;
    const request = generation('gpt-5', 'Something filtered [[mock content_filter after=3]]', {
      temperature: 0,
    });
    for (let repeat = 0; repeat < 2; repeat += 1) {
      const { taskId } = await harness.submit(request);
      const events = await harness.events.waitForTerminal(taskId);
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'content_filtered' });
    }
    expect(providerCalls(harness)).toBe(before + 2);
    expect(await cachedKeys(harness)).toHaveLength(keysBefore);
  });

  it('should keep an answer for RESPONSE_CACHE_TTL_MS (1 h by default), on Redis’s clock', async () => {
    const before = await cachedKeys(harness);
    await run(harness, generation('gpt-5', 'How long is it kept?', { temperature: 0 }));
    const [key] = (await cachedKeys(harness)).filter((entry) => !before.includes(entry));
    expect(key).toBeDefined();
    const pttl = await harness.redis.pttl(key ?? '');
    expect(pttl).toBeGreaterThan(3_600_000 - 60_000);
    expect(pttl).toBeLessThanOrEqual(3_600_000);
    // Prompts never appear in key names: the key is a versioned sha256.
    expect(key).toMatch(/:response-cache:v1:[0-9a-f]{64}$/);
  });
});

describe('response cache with a short TTL', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { RESPONSE_CACHE_TTL_MS: '400' } });
  });
  afterAll(() => harness.close());

  it('should call the provider again once the entry has expired', async () => {
    const request = generation('gpt-5', 'Soon forgotten.', { temperature: 0 });
    await run(harness, request);
    const [key] = await cachedKeys(harness);
    const pttl = await harness.redis.pttl(key ?? '');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(400);
    // Redis's clock decides, not ours: wait until Redis has dropped it.
    await expect.poll(() => harness.redis.exists(key ?? ''), { interval: 50 }).toBe(0);
    const second = await run(harness, request);
    expect(providerCalls(harness)).toBe(2);
    expect(second.events.at(-1)).not.toHaveProperty('cached');
  });
});

describe('response cache turned off (RESPONSE_CACHE_TTL_MS=0)', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { RESPONSE_CACHE_TTL_MS: '0' } });
  });
  afterAll(() => harness.close());

  it('should call the provider for every request, even cache: true at temperature 0', async () => {
    const request = generation('gpt-5', 'Cache is off.', { temperature: 0, cache: true });
    await run(harness, request);
    await run(harness, request);
    expect(providerCalls(harness)).toBe(2);
    expect(await cachedKeys(harness)).toEqual([]);
  });
});

describe('a follower whose leader never answers', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    // One attempt of 500 ms: the task's deadline is 600 ms after it was submitted.
    harness = await startWorkerHarness({
      env: { GENERATE_TIMEOUT_MS: '500', RETRY_ATTEMPTS: '1' },
    });
  });
  afterAll(() => harness.close());

  it('should wait in the delayed set, not on a worker, and fail timeout at its own deadline without calling', async () => {
    const content = 'Waiting for a leader elsewhere.';
    // Another process leads this request's flight and keeps its lease alive.
    const key = responseCacheKey({
      model: 'gpt-5.6-sol',
      messages: [{ role: 'user', content }],
      maxOutputTokens: 64,
      temperature: 0,
    });
    await harness.redis.set(flightKey(harness.config.redis.prefix, key), 'elsewhere', 'PX', 60_000);
    const { taskId } = await harness.submit(
      generation('gpt-5.6-sol', content, { temperature: 0, maxTokens: 64 }),
    );
    const job = await harness.queues['generate-openai'].getJob(taskId);
    await expect.poll(() => job?.getState(), { interval: 10 }).toBe('delayed');

    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout' });
    expect(providerCalls(harness)).toBe(0);
    expect(events.some((event) => event.type === 'started')).toBe(false);
  });
});
