import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundGeneration,
  generation,
  startWorkerHarness,
  type WorkerHarness,
} from './harness/worker-harness.js';

// Background tasks call providers through `context.generate`, outside the provider queues. These
// tests check that those calls still obey each provider's limits, shared with generation jobs:
// the requests-per-minute budget, a 429's retry-after, and a hold already set on the queue.

describe('background tasks under provider retry-after holds', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness();
  });
  afterAll(() => harness.close());

  it("should hold the whole provider for a background call's retry-after, call again uncharged, and record both calls", async () => {
    harness.mock.clearRequests();
    harness.mock.addScenario({ provider: 'openai', fault: 'rate_limit retry_after=2', count: 1 });
    const limited = await harness.submit(backgroundGeneration('gpt-5', 'Background, limited'));
    await harness.events.waitFor(limited.taskId, (event) => event.type === 'retrying');
    // Submitted while OpenAI is held: generation jobs on OpenAI wait too, the others do not.
    const others = await Promise.all([
      harness.submit(generation('gpt-5', 'Generation one')),
      harness.submit(generation('gpt-5', 'Generation two')),
      harness.submit(generation('claude-haiku-4-5', 'Generation three')),
      harness.submit(generation('deepseek-chat', 'Generation four')),
    ]);
    for (const task of [limited, ...others]) await harness.events.waitForTerminal(task.taskId);

    const [rejected, ...after] = harness.mock.requests({ provider: 'openai' });
    expect(rejected?.status).toBe(429);
    const rejectedAt = rejected?.timestamp ?? 0;
    // The background task's second call and both generation jobs.
    expect(after).toHaveLength(3);
    const gaps = after.map((request) => request.timestamp - rejectedAt);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2_000);
    for (const provider of ['anthropic', 'deepseek'] as const) {
      const [request] = harness.mock.requests({ provider });
      expect((request?.timestamp ?? Infinity) - rejectedAt).toBeLessThan(2_000);
    }

    const events = harness.events.events(limited.taskId);
    expect(events.map((event) => event.type).filter((type) => type !== 'token')).toEqual([
      'queued',
      'started',
      'retrying',
      'done',
    ]);
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({
      attempt: 1,
      delayMs: 2_000,
      code: 'rate_limited',
    });
    await harness.worker.flushLedger();
    expect(await harness.task(limited.taskId)).toMatchObject({
      status: 'completed',
      attempts: 1,
      retry_count: 0,
    });
    const rows = await harness.attempts(limited.taskId);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row['status'] === 'failed')).toMatchObject({
      provider: 'openai',
      error_code: 'rate_limited',
      attempt: 1,
    });
    expect(rows.find((row) => row['status'] === 'completed')).toMatchObject({
      provider: 'openai',
      attempt: 1,
    });
  });

  it('should keep a row for every call when a background call is rate-limited twice in one run', async () => {
    harness.mock.clearRequests();
    harness.mock.addScenario({
      provider: 'anthropic',
      fault: 'rate_limit retry_after=0.5',
      count: 2,
    });
    const { taskId } = await harness.submit(backgroundGeneration('claude-haiku-4-5', 'Twice'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.filter((event) => event.type === 'retrying')).toMatchObject([
      { attempt: 1, delayMs: 500, code: 'rate_limited' },
      { attempt: 1, delayMs: 500, code: 'rate_limited' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(
      harness.mock.requests({ provider: 'anthropic' }).map((request) => request.status),
    ).toEqual([429, 429, 200]);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'completed',
      attempts: 1,
      retry_count: 0,
    });
    const rows = await harness.attempts(taskId);
    expect(rows.map((row) => row['status']).sort()).toEqual(['completed', 'failed', 'failed']);
    expect(new Set(rows.map((row) => row['id'])).size).toBe(3);
  });

  it("should make a background call wait out a hold already set on the provider's queue", async () => {
    harness.mock.clearRequests();
    const heldAt = Date.now();
    await harness.queues['generate-openai'].rateLimit(2_000);
    const [held, free] = await Promise.all([
      harness.submit(backgroundGeneration('gpt-5', 'Background, held')),
      harness.submit(backgroundGeneration('deepseek-chat', 'Background, free')),
    ]);
    await harness.events.waitForTerminal(free.taskId);
    const freeDoneAt = Date.now();
    const events = await harness.events.waitForTerminal(held.taskId);
    expect(events.at(-1)).toMatchObject({ type: 'done' });

    const [request, ...rest] = harness.mock.requests({ provider: 'openai' });
    expect(rest).toHaveLength(0);
    const delay = (request?.timestamp ?? 0) - heldAt;
    expect(delay).toBeGreaterThanOrEqual(2_000);
    // It goes when the hold ends, not a whole limiter window later.
    expect(delay).toBeLessThan(4_000);
    expect(freeDoneAt - heldAt).toBeLessThan(2_000);
  });
});

describe('background tasks under the provider requests-per-minute budget', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { OPENAI_REQUESTS_PER_MINUTE: '4' } });
  });
  afterAll(() => harness.close());

  const document = Array.from(
    { length: 170 },
    (_, index) => `Sentence number ${index} of the report.`,
  ).join(' '); // 5,839 characters: eight chunks of at most 768 (256 tokens, the floor)

  it('should share the budget with generation jobs, and cancel a task waiting for it within a second', async () => {
    harness.mock.clearRequests();
    // About eight chunks: eight map calls and a reduce, with two generation jobs: eleven requests
    // against a budget of four a minute.
    const analysis = await harness.submit({
      kind: 'background',
      userId: 'user-1',
      type: 'ai_analyze_document',
      input: { model: 'gpt-5', document, chunkTokens: 256, maxTokens: 20 },
    });
    const jobs = await Promise.all([
      harness.submit(generation('gpt-5', 'Generation one')),
      harness.submit(generation('gpt-5', 'Generation two')),
    ]);
    await harness.events.waitFor(analysis.taskId, (event) => event.type === 'progress');
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const requests = harness.mock.requests({ provider: 'openai' });
    expect(requests).toHaveLength(4);
    const events = harness.events.events(analysis.taskId);
    expect(events.some((event) => ['done', 'error', 'cancelled'].includes(event.type))).toBe(false);
    const job = await harness.queues['background-task'].getJob(analysis.taskId);
    expect(await job?.getState()).toBe('active');

    expect(await harness.cancel(analysis.taskId)).toEqual({ cancelled: true });
    // cancelTask publishes `cancelled` itself; the job completing shows the worker's wait ended.
    await expect
      .poll(async () => job?.getState(), { timeout: 1_000, interval: 50 })
      .toBe('completed');
    expect((await harness.queues['background-task'].getJob(analysis.taskId))?.returnvalue).toEqual({
      status: 'cancelled',
    });
    await harness.worker.flushLedger();
    expect(await harness.task(analysis.taskId)).toMatchObject({ status: 'cancelled' });
    expect(harness.mock.requests({ provider: 'openai' })).toHaveLength(4);
    for (const task of jobs) await harness.cancel(task.taskId);
  });
});

describe('background tasks against the deadline', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { BACKGROUND_TIMEOUT_MS: '3000' } });
  });
  afterAll(() => harness.close());

  it('should time out at once, without calling, when the provider is held past the deadline', async () => {
    harness.mock.clearRequests();
    await harness.queues['generate-openai'].rateLimit(10_000);
    const submittedAt = Date.now();
    const { taskId } = await harness.submit(backgroundGeneration('gpt-5', 'Too late'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(Date.now() - submittedAt).toBeLessThan(2_000);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout' });
    expect(harness.mock.requests({ provider: 'openai' })).toHaveLength(0);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({ status: 'timeout', error_code: 'timeout' });
  });
});
