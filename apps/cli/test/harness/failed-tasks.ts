import {
  type DeadLetterJob,
  deadLetterJobId,
  enqueue,
  queueCatalog,
  retryJobOptions,
  type QueueName,
  type TaskErrorCode,
} from '@aiq/queue';
import { taskJobFor, taskJobSourceOf, type TaskJobSourceColumns } from '@aiq/tasks';
import { connectTestRedis } from '@aiq/testing';
import { UnrecoverableError, Worker, type Processor } from 'bullmq';
import { vi } from 'vitest';
import type { CliServices } from './cli-services.js';

/** The queues tasks run on (not the dead-letter queue). */
export const TASK_QUEUES = (Object.keys(queueCatalog) as QueueName[]).filter(
  (name) => name !== 'dead-letter',
);

/**
 * Runs a BullMQ worker on `queue` until `done()` holds, then closes it. The worker is real; only
 * its processor is the test's.
 */
async function workUntil(
  services: CliServices,
  queue: QueueName,
  processor: Processor,
  done: () => Promise<boolean>,
): Promise<void> {
  const connection = await connectTestRedis();
  const worker = new Worker(queue, processor, {
    connection,
    prefix: services.prefix,
    concurrency: 200,
  });
  try {
    // vi.waitFor, unlike expect.poll, also works in beforeAll.
    await vi.waitFor(
      async () => {
        if (!(await done())) throw new Error(`the ${queue} worker is not done yet`);
      },
      { timeout: 30_000, interval: 50 },
    );
  } finally {
    await worker.close();
    await connection.quit();
  }
}

/**
 * Fails every waiting job of the task queues for good, as a worker does with a final error
 * (`UnrecoverableError`: no attempt left to spend), and marks their rows `failed` with the code.
 */
export async function failLikeAWorker(
  services: CliServices,
  taskIds: readonly string[],
  errorCode: TaskErrorCode,
): Promise<void> {
  await Promise.all(
    TASK_QUEUES.map(async (name) => {
      const queue = services.queues[name];
      const { wait = 0, failed = 0 } = await queue.getJobCounts('wait', 'failed');
      if (wait === 0) return;
      await workUntil(
        services,
        name,
        () => Promise.reject(new UnrecoverableError(`${errorCode}: seeded failure`)),
        async () => ((await queue.getJobCounts('failed')).failed ?? 0) >= failed + wait,
      );
    }),
  );
  await services.database.query(
    `UPDATE background_tasks SET status = 'failed', error_code = $2, error_message = 'seeded failure',
       attempts = 1, started_at = now(), completed_at = now(), updated_at = now()
     WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(taskIds), errorCode],
  );
}

/**
 * Inserts `count` failed tasks in one statement, half chat generations on gpt-5 and half
 * document analyses, and (unless `jobs` is false) gives each the failed job a worker leaves.
 * @returns their ids
 */
export async function seedFailedTasks(
  services: CliServices,
  {
    count,
    errorCode = 'rate_limited',
    jobs = true,
  }: { count: number; errorCode?: TaskErrorCode; jobs?: boolean },
): Promise<string[]> {
  const rows = await services.database.query<TaskJobSourceColumns>(
    `INSERT INTO background_tasks (user_id, type, status, input, deadline_at)
     SELECT 'bulk-user',
            CASE WHEN n % 2 = 0 THEN 'ai_generation' ELSE 'ai_analyze_document' END,
            'pending',
            CASE WHEN n % 2 = 0
              THEN '{"model":"gpt-5","messages":[{"role":"user","content":"Hello"}],"fallback":false}'::jsonb
              ELSE '{"model":"gpt-5","document":"A long text.","instruction":"Summarize.","maxTokens":512}'::jsonb
            END,
            now() + interval '10 minutes'
     FROM generate_series(1, $1::int) AS n
     RETURNING id, user_id, type, input, deadline_at, retry_count`,
    [count],
  );
  const ids = rows.map((row) => row.id);
  if (jobs) {
    const built = rows.map((row) => taskJobFor(taskJobSourceOf(row), services.registry));
    for (const name of TASK_QUEUES) {
      const mine = built.filter((job) => job.queue === name);
      const kind = name === 'background-task' ? 'background' : 'generate';
      for (let start = 0; start < mine.length; start += 1_000) {
        await services.queues[name].addBulk(
          mine.slice(start, start + 1_000).map((job) => ({
            name,
            data: queueCatalog[name].schema.parse(job.payload),
            opts: {
              ...queueCatalog[name].jobOptions,
              ...retryJobOptions(services.config.retry[kind]),
              jobId: job.payload.taskId,
            },
          })),
        );
      }
    }
  }
  await failLikeAWorker(services, ids, errorCode);
  return ids;
}

/**
 * Puts a failed task's run in the dead-letter queue as the worker does (payload, every failure),
 * and unless `record` is false lets a dead-letter consumer take it (state `completed`).
 */
export async function deadLetter(
  services: CliServices,
  taskId: string,
  {
    deadLetteredAt = Date.now(),
    record = true,
  }: { deadLetteredAt?: number; record?: boolean } = {},
): Promise<void> {
  const [row] = await services.database.query<{ error_code: TaskErrorCode; retry_count: number }>(
    'SELECT error_code, retry_count FROM background_tasks WHERE id = $1',
    [taskId],
  );
  const located = await Promise.all(
    TASK_QUEUES.map(async (name) => ({ name, job: await services.queues[name].getJob(taskId) })),
  );
  const found = located.find(({ job }) => job !== undefined);
  if (row === undefined || found?.job === undefined) throw new Error(`no failed task ${taskId}`);
  const retry = row.retry_count;
  const entry: DeadLetterJob = {
    taskId,
    retry,
    queue: found.name,
    payload: found.job.data,
    failures: [{ attempt: 1, at: deadLetteredAt, errorCode: row.error_code, message: 'seeded' }],
    deadLetteredAt,
  };
  await enqueue(services.queues, 'dead-letter', entry, { jobId: deadLetterJobId(taskId, retry) });
  if (!record) return;
  const queue = services.queues['dead-letter'];
  await workUntil(
    services,
    'dead-letter',
    () => Promise.resolve({ recorded: true }),
    async () => (await queue.getJobState(deadLetterJobId(taskId, retry))) === 'completed',
  );
}
