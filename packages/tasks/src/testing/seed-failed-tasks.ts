import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { ModelRegistry } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { taskJobFor, taskJobSourceOf, type TaskJob, type TaskJobSourceColumns } from '../index.js';

/** What failed tasks are seeded into (and a bulk retry retries from). */
export interface FailedTaskGround {
  readonly config: Config;
  readonly prefix: string;
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
}

/** Options of {@link seedFailedRows}. */
export interface FailedRowsOptions {
  /** Model the tasks asked for. @defaultValue 'gpt-5.6-sol' */
  readonly model?: string;
  /**
   * The text of task `n` (from 0): a generation's message, an analysis's document. A row
   * reads it to find a task's provider calls. Absent: 'Hello' and 'A long text.'.
   */
  readonly text?: (n: number) => string;
  /**
   * Chat generations only: an analysis makes a call per chunk and one to combine them, so it
   * stores several completed attempts. @defaultValue false (half are document analyses)
   */
  readonly generationsOnly?: boolean;
}

/**
 * `count` failed tasks as a rate-limit storm leaves them: half chat generations, half document
 * analyses (unless `generationsOnly`), failed a minute ago after 3 attempts. Replaces every task of the last round.
 */
export async function seedFailedRows(
  database: Database,
  count: number,
  { model = 'gpt-5.6-sol', text, generationsOnly = false }: FailedRowsOptions = {},
): Promise<TaskJobSourceColumns[]> {
  await database.query('TRUNCATE background_tasks, operator_actions');
  const texts = text === undefined ? [] : Array.from({ length: count }, (_, n) => text(n));
  return database.query<TaskJobSourceColumns>(
    `INSERT INTO background_tasks (user_id, type, status, input, error_code, error_message,
       attempts, deadline_at, created_at, completed_at)
     SELECT 'bench', CASE WHEN n % 2 = 0 OR $4::boolean THEN 'ai_generation' ELSE 'ai_analyze_document' END,
       'failed',
       CASE WHEN n % 2 = 0 OR $4::boolean
         THEN jsonb_build_object('model', $2::text, 'fallback', false, 'messages',
           jsonb_build_array(jsonb_build_object('role', 'user',
             'content', coalesce($3::jsonb ->> (n - 1), 'Hello'))))
         ELSE jsonb_build_object('model', $2::text, 'instruction', 'Summarize.', 'maxTokens', 512,
           'document', coalesce($3::jsonb ->> (n - 1), 'A long text.'))
       END,
       'rate_limited', 'seeded', 3, now() + interval '10 minutes',
       now() - interval '1 minute' + n * interval '1 microsecond', now()
     FROM generate_series(1, $1::int) AS n
     RETURNING id, user_id, type, input, deadline_at, retry_count`,
    [count, model, JSON.stringify(texts), generationsOnly],
  );
}

/** Each row's job, as aiq would enqueue it. */
export function jobsOf(rows: readonly TaskJobSourceColumns[], registry: ModelRegistry): TaskJob[] {
  return rows.map((row) => taskJobFor(taskJobSourceOf(row), registry));
}

/** Polls `done` every 50 ms until it answers true; fails after `timeoutMs` with `what`. */
async function waitUntil(done: () => Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * The failed jobs Redis still holds after the storm: a worker failed every task's job for good,
 * and the queue's retention (`JOBS_KEEP_FAILED_COUNT`, 10,000 by default) kept only the newest
 * of each queue. Those are added and failed by a real worker, as the tasks' last runs ended.
 */
export async function seedFailedJobs(
  ground: FailedTaskGround,
  redisUrl: string,
  jobs: readonly TaskJob[],
): Promise<number> {
  const kept = ground.config.retention.failedJobs.count;
  const names = [...new Set(jobs.map((job) => job.queue))];
  const counts = await Promise.all(
    names.map(async (name) => {
      const newest = jobs.filter((job) => job.queue === name).slice(-kept);
      await ground.queues[name].addBulk(
        newest.map((job) => ({ name, data: job.payload, opts: { jobId: job.payload.taskId } })),
      );
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const failing = () => Promise.reject(new UnrecoverableError('rate_limited: seeded'));
      const worker = new Worker(name, failing, {
        connection,
        prefix: ground.prefix,
        concurrency: 200,
      });
      try {
        await waitUntil(
          async () =>
            ((await ground.queues[name].getJobCounts('failed')).failed ?? 0) >= newest.length,
          `${newest.length} failed ${name} jobs`,
          300_000,
        );
      } finally {
        await worker.close();
        await connection.quit();
      }
      return newest.length;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
