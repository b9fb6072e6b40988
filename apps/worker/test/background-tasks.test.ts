import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundGeneration,
  startWorkerHarness,
  type WorkerHarness,
} from './harness/worker-harness.js';

describe('background tasks', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness();
  });
  afterAll(() => harness.close());

  const document = Array.from(
    { length: 80 },
    (_, index) => `Sentence number ${index} of the report.`,
  ).join(' '); // 2,709 characters: four chunks of at most 768 (256 tokens, the floor)

  it('should map-reduce a long document with a progress event per chunk and resume after the last finished step', async () => {
    harness.mock.clearRequests();
    // Four chunks map fine; the reduce call fails once. The retry must not pay for the maps again.
    harness.mock.addScenario({ provider: 'deepseek', fault: 'none', count: 4 });
    harness.mock.addScenario({ provider: 'deepseek', fault: 'server_error', count: 1 });
    const { taskId } = await harness.submit({
      kind: 'background',
      userId: 'user-1',
      type: 'ai_analyze_document',
      input: { model: 'deepseek-chat', document, chunkTokens: 256, maxTokens: 50 },
    });
    const events = await harness.events.waitForTerminal(taskId);
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.map((event) => [event.step, event.completed, event.total])).toEqual([
      ['map', 1, 4],
      ['map', 2, 4],
      ['map', 3, 4],
      ['map', 4, 4],
      // The retry replays the four maps from memo and does not announce them again.
      ['reduce', 1, 1],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { chunks: 4 } });
    // 4 maps + the failed reduce + the reduce retried: the memoized maps were not called again.
    expect(harness.mock.requests({ provider: 'deepseek' })).toHaveLength(6);
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'completed',
      type: 'ai_analyze_document',
      attempts: 2,
      retry_count: 0,
      result: { chunks: 4, summary: expect.any(String) },
    });
    const steps = await harness.database.query<{ step: string }>(
      'SELECT step FROM task_steps WHERE task_id = $1 ORDER BY step',
      [taskId],
    );
    expect(steps.map((row) => row.step)).toEqual(['map:0', 'map:1', 'map:2', 'map:3', 'reduce']);
  });

  it('should stream one long generation as a background task', async () => {
    const { taskId } = await harness.submit(
      backgroundGeneration('claude-haiku-4-5', 'Tell a story'),
    );
    const events = await harness.events.waitForTerminal(taskId);
    const text = events.flatMap((event) => (event.type === 'token' ? [event.text] : [])).join('');
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { text } });
    expect(text.length).toBeGreaterThan(0);
    // Its cost: the one call's, as its `ai_requests` row records it.
    await harness.worker.flushLedger();
    const [call] = await harness.attempts(taskId);
    expect(Number(call?.['cost_usd'])).toBeGreaterThan(0);
    expect((events.at(-1) as { costUsd?: number }).costUsd).toBeCloseTo(
      Number(call?.['cost_usd']),
      6,
    );
  });
});
