/**
 * B6: bulk retry after a storm. aiq: `bulkRetry`, what `aiq bulk-retry` runs (called in this
 * process, without the CLI's start-up): select the failed tasks, skip the codes a retry cannot
 * fix, reopen each row, replace its job (removing the failed one Redis kept), look up its dead
 * letter, publish `retried`, and audit. Baseline: the runbook's bulk-retry `UPDATE`, then one bare
 * BullMQ `addBulk` of the same jobs. Each round seeds both sides alike, untimed.
 */
import { loadConfig } from '@aiq/config';
import { createDb, runbookQueries } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { loadModelRegistry } from '@aiq/providers';
import { closeQueues, createQueues } from '@aiq/queue';
import { bulkRetry } from '@aiq/tasks';
import { jobsOf, seedFailedJobs, seedFailedRows, type FailedTaskGround } from '@aiq/tasks/testing';
import { deletePrefix, uniquePrefix } from '@aiq/testing';
import { Queue } from 'bullmq';
import { metric, type BenchmarkResult } from '../results.js';
import { interleave } from '../rounds.js';
import type { AiqSystem } from '../system/aiq-system.js';

export interface BulkRetryParameters {
  readonly tasks: number;
  readonly warmupTasks: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

const BARE_QUEUE = 'bare-retry';

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1_000;
}

async function aiqRound(ground: FailedTaskGround, system: AiqSystem, tasks: number) {
  await deletePrefix(system.redis, ground.prefix);
  const rows = await seedFailedRows(ground.database, tasks);
  await seedFailedJobs(ground, system.redisUrl, jobsOf(rows, ground.registry));
  const events = createTaskEventPublisher({ redis: system.redis, prefix: ground.prefix });
  const seconds = await timed(async () => {
    const summary = await bulkRetry(
      { ...ground, events },
      { sinceMs: 3_600_000 },
      { door: 'cli', by: 'bench' },
    );
    if (summary.retried !== tasks)
      throw new Error(`B6: aiq retried ${summary.retried} of ${tasks}`);
  });
  return tasks / seconds;
}

async function baselineRound(ground: FailedTaskGround, system: AiqSystem, tasks: number) {
  await deletePrefix(system.redis, ground.prefix);
  const rows = await seedFailedRows(ground.database, tasks);
  // The jobs as a script would build them from the rows; a bare addBulk validates nothing.
  const entries = jobsOf(rows, ground.registry).map((job) => ({
    name: job.queue,
    data: { ...job.payload, retry: 1 },
    opts: { jobId: job.payload.taskId },
  }));
  const queue = new Queue(BARE_QUEUE, { connection: system.redis, prefix: ground.prefix });
  try {
    const seconds = await timed(async () => {
      await ground.database.query(runbookQueries.bulkRetry);
      await queue.addBulk(entries);
    });
    const waiting = await queue.getWaitingCount();
    if (waiting !== tasks) throw new Error(`B6: bare addBulk left ${waiting} of ${tasks} jobs`);
    return tasks / seconds;
  } finally {
    await queue.close();
  }
}

export async function runBulkRetry(
  system: AiqSystem,
  parameters: BulkRetryParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const prefix = uniquePrefix('bench-b6');
  const config = loadConfig({
    REDIS_URL: system.redisUrl,
    DATABASE_URL: system.databaseUrl,
    QUEUE_PREFIX: prefix,
  });
  // As `aiq bulk-retry` opens it: the configured pool (DATABASE_POOL_SIZE, 10).
  const database = await createDb(config.database, { applicationName: 'aiq-bench' });
  const ground: FailedTaskGround = {
    config,
    prefix,
    database,
    queues: createQueues(system.redis, prefix),
    registry: loadModelRegistry(config.models),
  };
  try {
    const count = (warmup: boolean) => (warmup ? parameters.warmupTasks : parameters.tasks);
    const rounds = await interleave({
      label: 'B6',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      aiq: ({ warmup }) => aiqRound(ground, system, count(warmup)),
      baseline: ({ warmup }) => baselineRound(ground, system, count(warmup)),
      describe: (a, b) => `aiq ${a.toFixed(0)} tasks/s, UPDATE + addBulk ${b.toFixed(0)} tasks/s`,
    });
    return {
      id: 'B6',
      title: `bulk retry of ${parameters.tasks} failed tasks`,
      aiqSide:
        'bulkRetry (what `aiq bulk-retry` runs, in-process): select, skip non-retryable codes, reopen rows, remove the failed jobs Redis kept (the newest 10,000 per queue), add the new ones, publish `retried`, audit',
      baselineSide:
        "the runbook's bulk-retry UPDATE, then one bare BullMQ addBulk of the same jobs",
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      parameters: { ...parameters, failedJobsKeptPerQueue: config.retention.failedJobs.count },
      metrics: [
        metric(
          { name: 'tasks retried', unit: 'tasks/s', better: 'higher', compare: 'ratio' },
          rounds.aiq,
          rounds.baseline,
        ),
      ],
      checks: { everyTaskRetried: true },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await closeQueues(ground.queues);
    await deletePrefix(system.redis, prefix);
    await database.close();
  }
}
