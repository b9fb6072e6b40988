import { reserveTokens, settleTokens } from '@aiq/budgets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundGeneration,
  startWorkerHarness,
  type WorkerHarness,
} from './harness/worker-harness.js';

const WINDOW_MS = 1_500;

describe('token budget for background tasks', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({
      env: { ANTHROPIC_TOKENS_PER_MINUTE: '2000', TOKEN_BUDGET_WINDOW_MS: String(WINDOW_MS) },
    });
  });
  afterAll(() => harness.close());

  it("should make a background task's call wait inside its attempt until the spent budget frees up", async () => {
    // Another process spent the whole budget of this key just now.
    const budget = {
      prefix: harness.config.redis.prefix,
      provider: 'anthropic',
      apiKey: harness.config.providers.anthropic.apiKey,
      tokens: 2_000,
      windowMs: WINDOW_MS,
    };
    const spent = await reserveTokens(harness.redis, budget, {
      id: 'elsewhere',
      tokens: 2_000,
      leaseMs: 10_000,
    });
    expect(spent).toMatchObject({ granted: true });
    const settleStartedAt = Date.now();
    await settleTokens(harness.redis, budget, 'elsewhere', 2_000);

    const { taskId } = await harness.submit(
      backgroundGeneration('claude-haiku-4-5', 'Waits for the budget'),
    );
    const events = await harness.events.waitForTerminal(taskId, 20_000);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(events.filter((event) => event.type === 'retrying')).toEqual([]);
    const requests = harness.mock.requests({ provider: 'anthropic' });
    expect(requests).toHaveLength(1);
    // Not before the spent tokens left the window.
    expect(requests[0]?.timestamp).toBeGreaterThanOrEqual(settleStartedAt + WINDOW_MS);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({ status: 'completed', attempts: 1 });
  });
});
