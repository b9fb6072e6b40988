import { ensembleCandidateJobId, type QueueName } from '@aiq/queue';
import type { EnsembleSubmission } from '@aiq/tasks';
import { createTestDatabase, startOwnRedisServer } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { generation } from './harness/worker-harness.js';
import { startProducerHarness } from './harness/producer-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const MODELS = ['gpt-5', 'claude-haiku-4-5', 'deepseek-chat'];

type Fleet = Awaited<ReturnType<typeof startProducerHarness>>;

/**
 * Runs `body` against a producer on a Redis of its own (so it may be flushed) and a database
 * of its own; `body` starts the worker, which is stopped afterwards.
 */
async function onOwnRedis(
  body: (harness: Fleet, startWorker: () => ReturnType<typeof spawnWorkerProcess>) => Promise<void>,
): Promise<void> {
  const redisServer = await startOwnRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
  const testDatabase = await createTestDatabase();
  const harness = await startProducerHarness({
    redisUrl: redisServer.url,
    databaseUrl: testDatabase.url,
  });
  let worker: Awaited<ReturnType<typeof spawnWorkerProcess>> | undefined;
  try {
    await body(harness, async () => {
      worker = await spawnWorkerProcess(harness.env, { reconcileGraceMs: 200 });
      return worker;
    });
  } finally {
    await worker?.stop('SIGTERM');
    await harness.close();
    await testDatabase.drop();
    await redisServer.stop();
  }
}

describe('reconciler', () => {
  it('should restore 100 pending tasks after Redis lost everything (FLUSHALL), and finish them', async () => {
    await onOwnRedis(async (harness, startWorker) => {
      const tasks = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          harness.submit(generation(MODELS[index % 3] ?? 'gpt-5', `Pending ${index}`)),
        ),
      );
      expect(await harness.queues['generate-openai'].count()).toBeGreaterThan(0);
      await harness.redis.flushall();
      expect(await harness.redis.dbsize()).toBe(0);

      const worker = await startWorker();
      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 30_000);
      expect(
        tasks.every((task) => harness.events.events(task.taskId).at(-1)?.type === 'done'),
      ).toBe(true);
      await expect
        .poll(
          async () =>
            (
              await harness.database.query<{ count: string }>(
                `SELECT count(*) FROM background_tasks WHERE status = 'completed'`,
              )
            )[0]?.count,
          { timeout: 10_000, interval: 200 },
        )
        .toBe('100');
      expect(worker.stdout()).toMatch(/reconciler repaired the queue from the ledger/);
    });
  }, 90_000);

  it('should skip the rows it cannot read, say why, and restore every other task', async () => {
    await onOwnRedis(async (harness, startWorker) => {
      const tasks = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          harness.submit(generation('gpt-5', `Row ${index}`)),
        ),
      );
      const [gone = '', malformed = '', ...healthy] = tasks.map((task) => task.taskId);
      await harness.redis.flushall();
      // The first and the oldest rows are the bad ones: a run that stopped on them repairs nothing.
      await harness.database.query(
        `UPDATE background_tasks SET input = jsonb_set(input, '{model}', '"gpt-2-retired"'),
                created_at = created_at - interval '1 hour' WHERE id = $1`,
        [gone],
      );
      await harness.database.query(
        `UPDATE background_tasks SET input = '{"messages": 42}'::jsonb,
                created_at = created_at - interval '1 hour' WHERE id = $1`,
        [malformed],
      );

      const worker = await startWorker();
      for (const taskId of healthy) await harness.events.waitForTerminal(taskId, 30_000);
      expect(healthy.map((taskId) => harness.events.events(taskId).at(-1)?.type)).toEqual(
        healthy.map(() => 'done'),
      );
      const skipped = worker
        .stdout()
        .split('\n')
        .filter((line) => line.includes('reconciler skipped a task it cannot read'));
      expect(skipped.some((line) => line.includes(`${gone}`) && /gpt-2-retired/.test(line))).toBe(
        true,
      );
      expect(skipped.some((line) => line.includes(`${malformed}`) && /messages/.test(line))).toBe(
        true,
      );
      const statuses = await harness.database.query<{ id: string; status: string }>(
        'SELECT id, status FROM background_tasks WHERE id IN ($1, $2)',
        [gone, malformed],
      );
      expect(statuses.map((row) => row.status)).toEqual(['pending', 'pending']);
    });
  }, 90_000);

  it('should enqueue an ensemble flow once, and restore a flow Redis lost (FLUSHALL) from its row', async () => {
    await onOwnRedis(async (harness, startWorker) => {
      const submission: EnsembleSubmission = {
        kind: 'ensemble',
        userId: 'user-1',
        models: MODELS,
        messages: [{ role: 'user', content: 'Three views [[mock tokens=4]]' }],
        idempotencyKey: 'ensemble-once',
      };
      const { taskId } = await harness.submit(submission);
      const queueNames: QueueName[] = [
        'background-task',
        'generate-openai',
        'generate-anthropic',
        'generate-deepseek',
      ];
      const counts = () =>
        Promise.all(queueNames.map((name) => harness.queues[name].getJobCounts()));
      const before = await counts();
      expect(before.map((count) => count['waiting-children'] ?? 0)).toEqual([1, 0, 0, 0]);
      expect(before.map((count) => count.waiting ?? 0)).toEqual([0, 1, 1, 1]);
      // The same pending task submitted again enqueues its flow again: the same ids, no new jobs.
      expect(await harness.submit(submission)).toMatchObject({ taskId, existing: true });
      expect(await counts()).toEqual(before);
      expect(
        await harness.queues['generate-anthropic'].getJob(
          ensembleCandidateJobId(taskId, 'claude-haiku-4-5'),
        ),
      ).toBeDefined();

      await harness.redis.flushall();
      const worker = await startWorker();
      await harness.events.waitForTerminal(taskId, 30_000);
      const done = harness.events.events(taskId).at(-1);
      expect(done?.type).toBe('done');
      const result = (done as { result?: { candidates: { model: string; status: string }[] } })
        .result;
      expect(result?.candidates.map((candidate) => [candidate.model, candidate.status])).toEqual(
        MODELS.map((model) => [model, 'completed']),
      );
      expect(worker.stdout()).toMatch(/reconciler repaired the queue from the ledger/);
    });
  }, 90_000);
});
