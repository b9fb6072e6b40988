import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, deletePrefix, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { startProducerHarness } from './harness/producer-harness.js';
import { generation } from './harness/worker-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const BUDGET = 600; // tokens per window
const WINDOW_MS = 1_500;
const TASKS = 45;

/** The most tokens the mock charged in any window of `windowMs` (each starting at a request). */
function peakWindowUsage(charges: { at: number; tokens: number }[], windowMs: number): number {
  let peak = 0;
  for (const start of charges) {
    const used = charges
      .filter((charge) => charge.at >= start.at && charge.at < start.at + windowMs)
      .reduce((sum, charge) => sum + charge.tokens, 0);
    peak = Math.max(peak, used);
  }
  return peak;
}

describe('token budget across worker processes', () => {
  it('should never exceed a token budget of N tokens per window across three worker processes (the mock request log is the oracle)', async () => {
    const { redisUrl } = await testServices();
    const testDatabase = await createTestDatabase();
    const harness = await startProducerHarness({
      redisUrl,
      databaseUrl: testDatabase.url,
      env: { OPENAI_TOKENS_PER_MINUTE: String(BUDGET), TOKEN_BUDGET_WINDOW_MS: String(WINDOW_MS) },
    });
    // Each answer is 30 tokens, a little slow, so calls overlap across the processes.
    harness.mock.addScenario({ provider: 'openai', fault: 'tokens=30 delay=5' });
    const settings = { generationConcurrency: 5 };
    const workers = await Promise.all(
      [1, 2, 3].map(() => spawnWorkerProcess(harness.env, settings)),
    );
    const queue = harness.queues['generate-openai'];
    let maxDelayed = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const counts = await queue.getJobCounts('delayed');
        maxDelayed = Math.max(maxDelayed, counts.delayed ?? 0);
        await sleep(50);
      }
    })();
    try {
      // Several times what one window allows, all at once.
      const tasks = await Promise.all(
        Array.from({ length: TASKS }, (_, index) =>
          harness.submit(
            generation('gpt-5', `Budget task ${index}: a b c d e f g h i j`, { maxTokens: 40 }),
          ),
        ),
      );
      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 60_000);
      sampling = false;
      await sampler;

      const done = tasks.filter((task) =>
        harness.events.events(task.taskId).some((event) => event.type === 'done'),
      );
      expect(done).toHaveLength(TASKS);
      // Waiting for the budget charged no attempt and announced no retry.
      for (const task of tasks) {
        const events = harness.events.events(task.taskId);
        expect(events.filter((event) => event.type === 'retrying')).toEqual([]);
        expect(events.filter((event) => event.type === 'started')).toEqual([
          expect.objectContaining({ attempt: 1 }),
        ]);
      }

      const answered = harness.mock
        .requests({ provider: 'openai' })
        .filter((request) => request.chargedTokens !== null);
      expect(answered).toHaveLength(TASKS);
      const charges = answered.map((request) => ({
        at: request.timestamp,
        tokens: (request.chargedTokens?.prompt ?? 0) + (request.chargedTokens?.completion ?? 0),
      }));
      const total = charges.reduce((sum, charge) => sum + charge.tokens, 0);
      const peak = peakWindowUsage(charges, WINDOW_MS);
      const span = Math.max(...charges.map((c) => c.at)) - Math.min(...charges.map((c) => c.at));
      console.log(
        `token budget: peak ${peak} tokens in any ${WINDOW_MS} ms window vs budget N=${BUDGET}; ` +
          `${total} tokens over ${span} ms; up to ${maxDelayed} jobs delayed at once`,
      );
      expect(total).toBeGreaterThan(BUDGET * 2); // more work than one window allows
      expect(peak).toBeLessThanOrEqual(BUDGET);
      expect(peak).toBeGreaterThan(BUDGET / 2); // the budget was used, not just never reached
      // Jobs waited delayed in the queue, not in a worker.
      expect(maxDelayed).toBeGreaterThan(0);
    } finally {
      sampling = false;
      await sampler;
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await testDatabase.drop();
    }
  });
});
