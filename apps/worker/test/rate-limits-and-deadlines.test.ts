import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

describe('retry-after, deadlines and cancellation', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({
      env: { GENERATE_TIMEOUT_MS: '800', ANTHROPIC_CONCURRENCY: '1' },
    });
  });
  afterAll(() => harness.close());

  it('should hold the whole provider queue for retry-after, leave other providers alone, and charge no attempt', async () => {
    harness.mock.clearRequests();
    harness.mock.addScenario({ provider: 'openai', fault: 'rate_limit retry_after=2', count: 1 });
    const limited = await harness.submit(generation('gpt-5', 'First'));
    await harness.events.waitFor(limited.taskId, (event) => event.type === 'retrying');
    const others = await Promise.all([
      harness.submit(generation('gpt-5', 'Second')),
      harness.submit(generation('claude-haiku-4-5', 'Third')),
      harness.submit(generation('deepseek-chat', 'Fourth')),
    ]);
    for (const task of [limited, ...others]) await harness.events.waitForTerminal(task.taskId);

    const openai = harness.mock.requests({ provider: 'openai' });
    const [rejected, ...after] = openai;
    expect(rejected?.status).toBe(429);
    expect(after).toHaveLength(2);
    for (const request of after) {
      expect(request.timestamp - (rejected?.timestamp ?? 0)).toBeGreaterThanOrEqual(2_000);
    }
    // The other providers answered while OpenAI was held back.
    for (const provider of ['anthropic', 'deepseek'] as const) {
      const [request] = harness.mock.requests({ provider });
      expect((request?.timestamp ?? Infinity) - (rejected?.timestamp ?? 0)).toBeLessThan(2_000);
    }
    expect(
      harness.events.events(limited.taskId).find((event) => event.type === 'retrying'),
    ).toMatchObject({
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
  });

  it('should run each provider queue at its own concurrency', async () => {
    harness.mock.clearRequests();
    const tasks = await Promise.all(
      ['claude-haiku-4-5', 'gpt-5'].flatMap((model) =>
        [1, 2, 3].map((index) =>
          harness.submit(generation(model, `Paced ${index} [[mock ttft=300]]`)),
        ),
      ),
    );
    for (const task of tasks) await harness.events.waitForTerminal(task.taskId);
    const starts = (provider: 'anthropic' | 'openai') =>
      harness.mock
        .requests({ provider })
        .map((request) => request.timestamp)
        .sort((a, b) => a - b);
    const [firstClaude = 0, , lastClaude = 0] = starts('anthropic');
    const [firstGpt = 0, , lastGpt = 0] = starts('openai');
    // ANTHROPIC_CONCURRENCY=1: one call after another. OpenAI keeps WORKER_CONCURRENCY: together.
    expect(lastClaude - firstClaude).toBeGreaterThanOrEqual(2 * 300);
    expect(lastGpt - firstGpt).toBeLessThan(300);
  });

  it('should end an attempt at its deadline, keep the partial output, reset and retry', async () => {
    harness.mock.addScenario({ provider: 'anthropic', fault: 'hang after=3', count: 1 });
    const { taskId } = await harness.submit(generation('claude-haiku-4-5', 'Slow one'));
    const events = await harness.events.waitForTerminal(taskId);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type !== 'token')).toEqual([
      'queued',
      'started',
      'retrying',
      'reset',
      'started',
      'done',
    ]);
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({ code: 'timeout' });
    await harness.worker.flushLedger();
    const [timedOut, completed] = await harness.attempts(taskId);
    expect(timedOut).toMatchObject({ status: 'timeout', error_code: 'timeout', partial: true });
    expect(String(timedOut?.['response']).split(' ').length).toBe(3);
    expect(Number(timedOut?.['duration_ms'])).toBeGreaterThanOrEqual(700);
    expect(completed).toMatchObject({ status: 'completed', partial: false });
  });

  it('should cancel a running task within a second: provider call aborted, task cancelled, one terminal event', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'hang after=2', count: 1 });
    harness.mock.clearRequests();
    const { taskId } = await harness.submit(generation('deepseek-chat', 'Cancel me'));
    await harness.events.waitFor(taskId, (event) => event.type === 'token');
    const cancelledAt = Date.now();
    expect(await harness.cancel(taskId)).toEqual({ cancelled: true });
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'cancelled' });
    expect(
      events.filter((event) => ['done', 'error', 'cancelled'].includes(event.type)),
    ).toHaveLength(1);
    await expect
      .poll(() => harness.mock.requests({ provider: 'deepseek' })[0]?.closedAt ?? null, {
        timeout: 1_000,
      })
      .not.toBeNull();
    const closedAt = harness.mock.requests({ provider: 'deepseek' })[0]?.closedAt ?? Infinity;
    expect(closedAt - cancelledAt).toBeLessThan(1_000);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({ status: 'cancelled' });
    expect(harness.mock.requests({ provider: 'deepseek' })).toHaveLength(1);
  });
});
