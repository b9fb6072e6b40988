import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { ModelRegistry } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import { taskJobFor, taskJobSourceOf, type TaskJob, type TaskJobSourceColumns } from '@aiq/tasks';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { waitUntil } from '../wait-until.js';

/** What B6 seeds into and retries from. */
export interface BulkRetryGround {
  readonly config: Config;
  readonly prefix: string;
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
}

/**
 * `count` failed tasks as a rate-limit storm leaves them: half chat generations, half document
 * analyses, failed a minute ago after 3 attempts. Replaces every task of the last round.
 */
export async function seedFailedRows(
  database: Database,
  count: number,
): Promise<TaskJobSourceColumns[]> {
  await database.query('TRUNCATE background_tasks, operator_actions');
  return database.query<TaskJobSourceColumns>(
    `INSERT INTO background_tasks (user_id, type, status, input, error_code, error_message,
       attempts, deadline_at, created_at, completed_at)
     SELECT 'bench', CASE WHEN n % 2 = 0 THEN 'ai_generation' ELSE 'ai_analyze_document' END,
       'failed',
       CASE WHEN n % 2 = 0
         THEN '{"model":"gpt-5.6-sol","messages":[{"role":"user","content":"Hello"}],"fallback":false}'::jsonb
         ELSE '{"model":"gpt-5.6-sol","document":"A long text.","instruction":"Summarize.","maxTokens":512}'::jsonb
       END,
       'rate_limited', 'seeded', 3, now() + interval '10 minutes',
       now() - interval '1 minute' + n * interval '1 microsecond', now()
     FROM generate_series(1, $1::int) AS n
     RETURNING id, user_id, type, input, deadline_at, retry_count`,
    [count],
  );
}

/** Each row's job, as aiq would enqueue it. */
export function jobsOf(rows: readonly TaskJobSourceColumns[], registry: ModelRegistry): TaskJob[] {
  return rows.map((row) => taskJobFor(taskJobSourceOf(row), registry));
}

/**
 * The failed jobs Redis still holds after the storm: a worker failed every task's job for good,
 * and the queue's retention (`JOBS_KEEP_FAILED_COUNT`, 10,000 by default) kept only the newest
 * of each queue. Those are added and failed by a real worker, as the tasks' last runs ended.
 */
export async function seedFailedJobs(
  ground: BulkRetryGround,
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
          { what: `B6: ${newest.length} failed ${name} jobs`, timeoutMs: 300_000, intervalMs: 50 },
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
