import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

// Postgres refuses U+0000 (and lone surrogates); the ledger stores U+FFFD in their place. A
// client must be streamed the text the ledger keeps, or its reassembled answer differs from
// the stored result (found by chaos row 8, the provider storm).
describe('model output Postgres cannot store', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness();
  });
  afterAll(() => harness.close());

  it('should stream and store U+0000 and a lone surrogate alike, as U+FFFD', async () => {
    harness.mock.addScenario({
      provider: 'deepseek',
      fault: { text: 'Storm\u0000answer \ud800 end' },
      count: 1,
    });
    const { taskId } = await harness.submit(generation('deepseek-chat'));
    const events = await harness.events.waitForTerminal(taskId);
    const streamed = events
      .flatMap((event) => (event.type === 'token' ? [event.text] : []))
      .join('');
    const expected = 'Storm\ufffdanswer \ufffd end';
    expect(streamed).toBe(expected);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    await harness.worker.flushLedger();
    expect(await harness.task(taskId)).toMatchObject({
      status: 'completed',
      result: { text: expected },
    });
  });
});
