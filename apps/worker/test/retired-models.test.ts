import { submitTask } from '@aiq/tasks';
import { createModelRegistry, fixedClock } from '@aiq/providers';
import { DeadLetterJob } from '@aiq/queue';
import { TEST_NOW } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundGeneration,
  generation,
  startWorkerHarness,
  type WorkerHarness,
} from './harness/worker-harness.js';

// claude-sonnet-4-5 reached its end of life on 2026-11-30; the registry names claude-sonnet-5-5.
const AFTER_END_OF_LIFE = '2026-12-02T09:00:00Z';

describe('a model past its end of life, substituted (the default)', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { MODELS_AS_OF: AFTER_END_OF_LIFE } });
  });
  afterAll(() => harness.close());

  it('should run on the successor and record both models on the task, its events and ai_requests', async () => {
    const { taskId } = await harness.submit(generation('claude-sonnet-4.5'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.find((event) => event.type === 'started')).toEqual(
      expect.objectContaining({
        attempt: 1,
        provider: 'anthropic',
        model: 'claude-sonnet-5-5',
        requestedModel: 'claude-sonnet-4-5',
      }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    // The provider was asked for the successor only.
    const calls = harness.mock.requests({ provider: 'anthropic' });
    expect(calls.map((call) => call.model)).toEqual(['claude-sonnet-5-5']);

    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'completed',
      input: expect.objectContaining({ model: 'claude-sonnet-4.5' }) as unknown,
      model: 'claude-sonnet-5-5',
    });
    expect(await harness.attempts(taskId)).toMatchObject([
      {
        status: 'completed',
        provider: 'anthropic',
        model: 'claude-sonnet-5-5',
        requested_model: 'claude-sonnet-4-5',
      },
    ]);
  });

  it('should leave a current model alone and say nothing of substitution', async () => {
    const { taskId } = await harness.submit(generation('claude-haiku-4-5'));
    const events = await harness.events.waitForTerminal(taskId);
    const started = events.find((event) => event.type === 'started');
    expect(started).toMatchObject({ model: 'claude-haiku-4-5' });
    expect(started).not.toHaveProperty('requestedModel');
    await harness.worker.flushLedger();
    expect(await harness.attempts(taskId)).toMatchObject([
      { model: 'claude-haiku-4-5', requested_model: null },
    ]);
  });

  it("should substitute a background task's model calls too", async () => {
    const { taskId } = await harness.submit(backgroundGeneration('claude-sonnet-4-5', 'Hi'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'done', model: 'claude-sonnet-5-5' });
    await harness.worker.flushLedger();
    expect(await harness.attempts(taskId)).toMatchObject([
      { model: 'claude-sonnet-5-5', requested_model: 'claude-sonnet-4-5' },
    ]);
  });
});

describe.each([
  ['today', AFTER_END_OF_LIFE, 'gpt-5'],
  ['a month ahead', '2027-01-02T09:00:00Z', 'gpt-5.6-sol'],
  ['a year ahead', '2027-12-02T09:00:00Z', 'gpt-5.6-sol'],
])('gpt-5 (end of life 2026-12-11) on a worker %s', (_when, at, runsOn) => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({ env: { MODELS_AS_OF: at } });
  });
  afterAll(() => harness.close());

  it(`should run on ${runsOn}`, async () => {
    const { taskId } = await harness.submit(generation('gpt-5'));
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.at(-1)).toMatchObject({ type: 'done', model: runsOn });
    expect(harness.mock.requests({ provider: 'openai' }).map((call) => call.model)).toEqual([
      runsOn,
    ]);
  });
});

describe('a model past its end of life, refused (RETIRED_MODELS=refuse)', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({
      env: { MODELS_AS_OF: AFTER_END_OF_LIFE, RETIRED_MODELS: 'refuse' },
    });
  });
  afterAll(() => harness.close());

  it('should refuse it at submission, naming the successor, and write nothing', async () => {
    await expect(harness.submit(generation('claude-sonnet-4-5'))).rejects.toMatchObject({
      kind: 'model_retired',
      message:
        'Model claude-sonnet-4-5 reached its end of life on 2026-11-30; use claude-sonnet-5-5 instead',
    });
    expect(await harness.database.query('SELECT id FROM background_tasks')).toEqual([]);
  });

  it('should fail a task accepted before the end of life that runs after it, without calling the provider', async () => {
    // Accepted by a producer whose clock still read a date before the end of life.
    const { taskId } = await submitTask(
      {
        database: harness.database,
        queues: harness.queues,
        registry: createModelRegistry({ clock: fixedClock(TEST_NOW), retiredModels: 'refuse' }),
        config: harness.config,
      },
      generation('claude-sonnet-4-5', 'Hi', { fallback: true }),
    );
    const events = await harness.events.waitForTerminal(taskId);
    expect(events.map((event) => event.type)).toEqual(['error']);
    expect(events[0]).toMatchObject({
      code: 'model_retired',
      retryable: false,
      message: expect.stringContaining('use claude-sonnet-5-5 instead') as unknown,
    });
    expect(harness.mock.requests({ provider: 'anthropic' })).toEqual([]);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'failed',
      error_code: 'model_retired',
    });
    // Kept for replay: an operator may switch to RETIRED_MODELS=substitute and replay it.
    const deadLetter = DeadLetterJob.parse(
      (await harness.queues['dead-letter'].getJob(taskId))?.data,
    );
    expect(deadLetter.failures.map((failure) => failure.errorCode)).toEqual(['model_retired']);
  });
});
