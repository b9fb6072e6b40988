import { runbookQueries } from '@aiq/db';
import { DeadLetterJob } from '@aiq/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundGeneration,
  generation,
  startWorkerHarness,
  type WorkerHarness,
} from './harness/worker-harness.js';

describe('generation retries', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    // Background tasks get their own policy; generations keep the runbook's 3 attempts.
    harness = await startWorkerHarness({ env: { BACKGROUND_RETRY_ATTEMPTS: '4' } });
  });
  afterAll(() => harness.close());

  it('should retry a server error and then succeed, recording both attempts', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'server_error', count: 1 });
    const { taskId } = await harness.submit(generation('deepseek-chat'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.map((event) => event.type).filter((type) => type !== 'token')).toEqual([
      'queued',
      'started',
      'retrying',
      'started',
      'done',
    ]);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({
      attempt: 2,
      code: 'server_error',
    });
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'completed',
      attempts: 2,
      retry_count: 0,
    });
    expect(await harness.attempts(taskId)).toMatchObject([
      { status: 'failed', error_code: 'server_error', attempt: 1 },
      { status: 'completed', error_code: null, attempt: 2, partial: false },
    ]);
  });

  it('should fail a non-retryable error once, without retrying', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'invalid_key', count: 1 });
    const before = harness.mock.requests({ provider: 'deepseek' }).length;
    const { taskId } = await harness.submit(generation('deepseek-chat'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'auth', retryable: false });
    expect(harness.mock.requests({ provider: 'deepseek' }).length - before).toBe(1);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({ status: 'failed', error_code: 'auth' });
  });

  it('should refuse a prompt over our count of the window before anything is written', async () => {
    await expect(
      harness.submit(generation('deepseek-chat', 'word '.repeat(70_000))),
    ).rejects.toMatchObject({ kind: 'token_limit_exceeded' });
  });

  it("should record the provider's own refusal of a prompt over the window as a token-limit failure the runbook query finds, without retrying", async () => {
    // Our estimate let it through; the provider counted otherwise (its 400 context_length_exceeded).
    const before = harness.mock.requests({ provider: 'deepseek' }).length;
    const { taskId } = await harness.submit(
      generation('deepseek-chat', 'Hi [[mock context_length]]'),
    );
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'token_limit_exceeded' });
    expect(harness.mock.requests({ provider: 'deepseek' }).length - before).toBe(1);
    await harness.worker.flushLedger();
    const rows = await harness.database.query<{ id: string }>(runbookQueries.requestSize);
    expect(rows.length).toBeGreaterThan(0);
    expect(await harness.attempts(taskId)).toMatchObject([
      { status: 'failed', error_code: 'token_limit_exceeded' },
    ]);
  });

  it('should move a job that exhausts its attempts to the dead-letter queue with every error', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'service_unavailable', count: 3 });
    const { taskId } = await harness.submit(generation('deepseek-chat'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'overloaded' });
    const deadLetter = await harness.queues['dead-letter'].getJob(taskId);
    const data = DeadLetterJob.parse(deadLetter?.data);
    expect(data).toMatchObject({ taskId, queue: 'generate-deepseek', payload: { taskId } });
    expect(data.failures.map((failure) => [failure.attempt, failure.errorCode])).toEqual([
      [1, 'overloaded'],
      [2, 'overloaded'],
      [3, 'overloaded'],
    ]);
    const times = data.failures.map((failure) => failure.at);
    expect([...times].sort()).toEqual(times);
    await expect.poll(async () => (await deadLetter?.getState()) ?? 'missing').toBe('completed');
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'failed',
      error_code: 'overloaded',
      attempts: 3,
      retry_count: 0,
    });
  });

  it('should give a background task the attempts of its own job type before the dead-letter queue', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'service_unavailable', count: 4 });
    const { taskId } = await harness.submit(backgroundGeneration('deepseek-chat', 'Long one'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'overloaded' });
    const deadLetter = await harness.queues['dead-letter'].getJob(taskId);
    const data = DeadLetterJob.parse(deadLetter?.data);
    expect(data.queue).toBe('background-task');
    expect(data.failures.map((failure) => failure.attempt)).toEqual([1, 2, 3, 4]);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'failed',
      attempts: 4,
      retry_count: 0,
    });
  });

  it('should fall back along the registry chain when a provider fails for good', async () => {
    harness.mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
    const { taskId } = await harness.submit(
      generation('gpt-5.6-sol', 'Hello there', { fallback: true }),
    );
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.find((event) => event.type === 'fallback')).toMatchObject({
      fromModel: 'gpt-5.6-sol',
      toModel: 'claude-sonnet-5-5',
      code: 'auth',
    });
    expect(events.at(-1)).toMatchObject({ type: 'done', model: expect.stringContaining('claude') });
  });
});
