import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

/** Runs one task to its end and returns whether it completed. */
async function runTask(harness: WorkerHarness, model: string, content: string, maxTokens: number) {
  const { taskId } = await harness.submit(generation(model, content, { maxTokens }));
  const events = await harness.events.waitForTerminal(taskId, 20_000);
  return events.at(-1)?.type;
}

describe('pacing from the providers rate-limit headers', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    harness.mock.clearRequests();
    harness.mock.clearRateLimits();
  });

  it('should wait for the reset when OpenAI reports no requests remaining, instead of taking a 429', async () => {
    // One request left in a window that resets 1.5 s from now.
    harness.mock.setRateLimit('openai', { requests: 20, windowMs: 1_500, remainingRequests: 1 });
    expect(await runTask(harness, 'gpt-5', 'First call', 20)).toBe('done');
    const [first] = harness.mock.requests({ provider: 'openai' });
    expect(first?.rateLimit?.requests).toMatchObject({ remaining: 0 });
    const resetAt = (first?.timestamp ?? 0) + (first?.rateLimit?.requests?.resetMs ?? 0);

    expect(await runTask(harness, 'gpt-5', 'Second call', 20)).toBe('done');
    const requests = harness.mock.requests({ provider: 'openai' });
    expect(requests.map((request) => request.status)).toEqual([200, 200]); // no 429
    // The second call went out only once the window the provider reported had reset.
    expect(requests[1]?.timestamp).toBeGreaterThanOrEqual(resetAt);
  });

  it('should wait for the reset when Anthropic reports fewer tokens remaining than the call needs', async () => {
    harness.mock.setRateLimit('anthropic', {
      tokens: 50_000,
      windowMs: 1_500,
      remainingTokens: 400,
    });
    // Takes prompt + 150 of the 400: the report says about 240 remain.
    expect(await runTask(harness, 'claude-haiku-4-5', 'First call', 150)).toBe('done');
    const [first] = harness.mock.requests({ provider: 'anthropic' });
    const remaining = first?.rateLimit?.tokens?.remaining ?? 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThan(300);
    const resetAt = (first?.timestamp ?? 0) + (first?.rateLimit?.tokens?.resetMs ?? 0);

    // Needs prompt + 300 tokens: more than reported, so it waits for the (whole-second) reset.
    expect(await runTask(harness, 'claude-haiku-4-5', 'Second call', 300)).toBe('done');
    const requests = harness.mock.requests({ provider: 'anthropic' });
    expect(requests.map((request) => request.status)).toEqual([200, 200]); // no 429
    expect(requests[1]?.timestamp).toBeGreaterThanOrEqual(resetAt);
  });

  it('should not slow a provider whose reported limits have room', async () => {
    harness.mock.setRateLimit('openai', { requests: 1_000, windowMs: 60_000 });
    expect(await runTask(harness, 'gpt-5', 'Roomy one', 20)).toBe('done');
    expect(await runTask(harness, 'gpt-5', 'Roomy two', 20)).toBe('done');
    const [first, second] = harness.mock.requests({ provider: 'openai' });
    expect(second?.rateLimit?.requests?.remaining).toBe(998);
    // Nowhere near the window's reset a minute away.
    expect((second?.timestamp ?? 0) - (first?.timestamp ?? 0)).toBeLessThan(10_000);
  });
});
