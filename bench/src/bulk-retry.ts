/**
 * `pnpm bench` (or `pnpm --filter @aiq/bench run bench:bulk-retry`): aiq's `bulkRetry` over 10,000 failed tasks
 * (what `aiq bulk-retry` runs) side by side with the runbook's bare SQL: its bulk-retry
 * `UPDATE` plus one BullMQ `addBulk` of the same jobs. Goal: 10,000 tasks in at most 10 s.
 *
 * Each round seeds both sides alike (untimed): failed rows and, for each, the failed job a worker
 * leaves. aiq also replaces those jobs, looks up dead letters and publishes `retried`; the
 * baseline leaves the failed jobs and the ledger as the runbook does (the reconciler's work).
 */
import { loadConfig, type Config } from '@aiq/config';
import { createDb, runbookQueries, type Database } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { loadModelRegistry, type ModelRegistry } from '@aiq/providers';
import { closeQueues, createQueues, queueCatalog, type Queues } from '@aiq/queue';
import {
  bulkRetry,
  taskJobFor,
  taskJobSourceOf,
  type TaskJob,
  type TaskJobSourceColumns,
} from '@aiq/tasks';
import { createTestDatabase, deletePrefix, testServices, uniquePrefix } from '@aiq/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { measureOnce, report, type Measurement } from './measure.js';

const TASKS = Number(process.env['BENCH_TASKS'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const GOAL_SECONDS = 10;

interface Side {
  readonly config: Config;
  readonly prefix: string;
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
}

/** N failed rows (half chat generations, half document analyses), created a minute ago. */
async function seedRows(database: Database): Promise<TaskJobSourceColumns[]> {
  await database.query('TRUNCATE background_tasks, operator_actions');
  return database.query<TaskJobSourceColumns>(
    `INSERT INTO background_tasks (user_id, type, status, input, error_code, error_message,
       attempts, deadline_at, created_at, completed_at)
     SELECT 'bench', CASE WHEN n % 2 = 0 THEN 'ai_generation' ELSE 'ai_analyze_document' END,
       'failed',
       CASE WHEN n % 2 = 0
         THEN '{"model":"gpt-5","messages":[{"role":"user","content":"Hello"}],"fallback":false}'::jsonb
         ELSE '{"model":"gpt-5","document":"A long text.","instruction":"Summarize.","maxTokens":512}'::jsonb
       END,
       'rate_limited', 'seeded', 3, now() + interval '10 minutes', now() - interval '1 minute', now()
     FROM generate_series(1, $1::int) AS n
     RETURNING id, user_id, type, input, deadline_at, retry_count`,
    [TASKS],
  );
}

function jobsOf(rows: readonly TaskJobSourceColumns[], registry: ModelRegistry): TaskJob[] {
  return rows.map((row) => taskJobFor(taskJobSourceOf(row), registry));
}

/** Adds each task's job and lets a worker fail it for good, as the tasks' last run ended. */
async function seedFailedJobs(side: Side, redisUrl: string, jobs: readonly TaskJob[]) {
  const names = [...new Set(jobs.map((job) => job.queue))];
  await Promise.all(
    names.map(async (name) => {
      const mine = jobs.filter((job) => job.queue === name);
      await side.queues[name].addBulk(
        mine.map((job) => ({ name, data: job.payload, opts: { jobId: job.payload.taskId } })),
      );
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const failing = () => Promise.reject(new UnrecoverableError('rate_limited: seeded'));
      const worker = new Worker(name, failing, {
        connection,
        prefix: side.prefix,
        concurrency: 200,
      });
      while (((await side.queues[name].getJobCounts('failed')).failed ?? 0) < mine.length) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await worker.close();
      await connection.quit();
    }),
  );
}

/** aiq: select, skip non-retryable codes, reopen each task and replace its job, audit. */
async function runAiq(side: Side, redis: Redis): Promise<Measurement> {
  const events = createTaskEventPublisher({ redis, prefix: side.prefix });
  const measured = await measureOnce('aiq bulkRetry', TASKS, async () => {
    const summary = await bulkRetry(
      { ...side, events },
      { sinceMs: 3_600_000 },
      { door: 'cli', by: 'bench' },
    );
    if (summary.retried !== TASKS) throw new Error(`aiq retried ${summary.retried} of ${TASKS}`);
  });
  return measured;
}

/** The runbook: one UPDATE, then the same jobs added in one addBulk per queue. */
async function runBaseline(side: Side, jobs: readonly TaskJob[], baseline: Queue) {
  return measureOnce('runbook UPDATE + addBulk', TASKS, async () => {
    await side.database.query(runbookQueries.bulkRetry);
    await baseline.addBulk(
      jobs.map((job) => {
        const data = queueCatalog[job.queue].schema.parse({ ...job.payload, retry: 1 }) as object;
        return { name: job.queue, data, opts: { jobId: job.payload.taskId } };
      }),
    );
  });
}

async function openSide(redis: Redis, redisUrl: string, url: string): Promise<Side> {
  const prefix = uniquePrefix('bench-bulk');
  const config = loadConfig({ REDIS_URL: redisUrl, DATABASE_URL: url, QUEUE_PREFIX: prefix });
  // As `aiq bulk-retry` opens it: the configured pool (DATABASE_POOL_SIZE, 10).
  const database = await createDb(config.database, { applicationName: 'aiq-bench' });
  await database.migrate();
  return {
    config,
    prefix,
    database,
    queues: createQueues(redis, prefix),
    registry: loadModelRegistry(config.models),
  };
}

async function main(): Promise<void> {
  const { redisUrl } = await testServices();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const testDatabase = await createTestDatabase();
  const side = await openSide(redis, redisUrl, testDatabase.url);
  const baselineQueue = new Queue('baseline', { connection: redis, prefix: side.prefix });
  const rounds: { aiq: Measurement; baseline: Measurement }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const once = async (which: 'aiq' | 'baseline') => {
        await deletePrefix(redis, side.prefix);
        const rows = await seedRows(side.database);
        const jobs = jobsOf(rows, side.registry);
        await seedFailedJobs(side, redisUrl, jobs);
        return which === 'aiq' ? runAiq(side, redis) : runBaseline(side, jobs, baselineQueue);
      };
      // Alternate which side goes first, so neither always meets the warmer servers.
      const first = round % 2 === 0 ? 'aiq' : 'baseline';
      const a = await once(first);
      const b = await once(first === 'aiq' ? 'baseline' : 'aiq');
      const [aiq, baseline] = first === 'aiq' ? [a, b] : [b, a];
      rounds.push({ aiq, baseline });
      process.stdout.write(
        `  round ${round + 1}: aiq ${aiq.seconds.toFixed(2)} s, baseline ${baseline.seconds.toFixed(2)} s\n`,
      );
    }
    const best = (pick: (round: (typeof rounds)[number]) => Measurement) =>
      rounds.map(pick).reduce((left, right) => (right.seconds < left.seconds ? right : left));
    const aiq = best((round) => round.aiq);
    const baseline = best((round) => round.baseline);
    process.stdout.write(
      `bulk retry, ${TASKS} failed tasks x ${ROUNDS} rounds (best round each):\n` +
        `  aiq bulkRetry ${aiq.seconds.toFixed(2)} s vs runbook UPDATE + addBulk ${baseline.seconds.toFixed(2)} s` +
        ` (x${(aiq.seconds / baseline.seconds).toFixed(1)} the time; goal ≤ ${GOAL_SECONDS} s for 10,000: ` +
        `${aiq.seconds * (10_000 / TASKS) <= GOAL_SECONDS ? 'met' : 'MISSED'})\n` +
        `  ${report(aiq, baseline)}\n`,
    );
  } finally {
    await baselineQueue.close();
    await closeQueues(side.queues);
    await deletePrefix(redis, side.prefix);
    await redis.quit();
    await side.database.close();
    await testDatabase.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exit(1);
});
