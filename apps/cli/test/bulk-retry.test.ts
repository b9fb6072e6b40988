import os from 'node:os';
import type { QueueName } from '@aiq/queue';
import { describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { seedFailedTasks, TASK_QUEUES } from './harness/failed-tasks.js';
import { runCli } from './harness/run-cli.js';

interface Summary {
  matched: number;
  retried: number;
  skipped: Record<string, number>;
  taskIds: string[];
  dryRun: boolean;
}

async function bulkRetry(services: CliServices, ...args: string[]): Promise<Summary> {
  const result = await runCli(['bulk-retry', ...args, '--json'], services.env);
  expect(result).toMatchObject({ code: 0, err: '' });
  return JSON.parse(result.out) as Summary;
}

/** Everything a bulk retry could change: every row, and every job's id and state. */
async function snapshot(services: CliServices) {
  const [rows] = await services.database.query<{ digest: string; count: string }>(
    `SELECT md5(string_agg(task::text, ',' ORDER BY id)) AS digest, count(*) AS count
     FROM background_tasks AS task`,
  );
  const jobs = await Promise.all(
    TASK_QUEUES.map(async (name) => ({
      name,
      counts: await services.queues[name].getJobCounts(),
      failed: (await services.queues[name].getRanges(['failed'], 0, -1)).sort(),
    })),
  );
  return { rows, jobs };
}

async function withServices(label: string, test: (services: CliServices) => Promise<void>) {
  const services = await openCliServices(label);
  try {
    await test(services);
  } finally {
    await services.close();
  }
}

describe('aiq bulk-retry', () => {
  it('should retry 10,000 failed tasks once each, none on a second run, nothing on a dry run', async () => {
    await withServices('cli-bulk', async (services) => {
      const ids = await seedFailedTasks(services, { count: 10_000 });
      const before = await snapshot(services);
      expect(before.rows?.count).toBe('10000');

      const dry = await bulkRetry(services, '--since', '1h', '--dry-run');
      expect(dry).toMatchObject({ matched: 10_000, retried: 0, dryRun: true, skipped: {} });
      expect(dry.taskIds).toHaveLength(10_000);
      expect(await snapshot(services)).toEqual(before);

      const summary = await bulkRetry(services, '--since', '1h');
      expect(summary).toMatchObject({ matched: 10_000, retried: 10_000, skipped: {} });
      expect(
        await services.database.query(
          'SELECT status, retry_count, count(*)::int AS count FROM background_tasks GROUP BY 1, 2',
        ),
      ).toEqual([{ status: 'pending', retry_count: 1, count: 10_000 }]);
      // Exactly one job per task: the new one, waiting, for run 1; no failed job is left.
      const seen: string[] = [];
      for (const name of ['generate-openai', 'background-task'] as QueueName[]) {
        const queue = services.queues[name];
        expect(await queue.getJobCounts('failed', 'delayed', 'active')).toEqual({
          failed: 0,
          delayed: 0,
          active: 0,
        });
        const jobs = await queue.getJobs(['wait'], 0, -1);
        expect(jobs).toHaveLength(5_000);
        expect(jobs.filter((job) => (job.data as { retry: number }).retry !== 1)).toEqual([]);
        seen.push(...jobs.map((job) => job.id ?? ''));
      }
      expect(seen.sort()).toEqual([...ids].sort());

      expect(await bulkRetry(services, '--since', '1h')).toMatchObject({
        matched: 0,
        retried: 0,
      });
      expect(
        await services.database.query(
          `SELECT door, actor, matched, changed, filters->>'dryRun' AS dry_run
           FROM operator_actions WHERE action = 'bulk_retry' ORDER BY created_at`,
        ),
      ).toEqual([
        {
          door: 'cli',
          actor: `cli:${os.userInfo().username}`,
          matched: 10_000,
          changed: 0,
          dry_run: 'true',
        },
        {
          door: 'cli',
          actor: `cli:${os.userInfo().username}`,
          matched: 10_000,
          changed: 10_000,
          dry_run: 'false',
        },
        {
          door: 'cli',
          actor: `cli:${os.userInfo().username}`,
          matched: 0,
          changed: 0,
          dry_run: 'false',
        },
      ]);
    });
  });

  it('should skip errors a retry cannot fix unless told to include them', async () => {
    await withServices('cli-bulk-codes', async (services) => {
      const codes = ['auth', 'insufficient_quota', 'content_filtered', 'invalid_request'] as const;
      for (const errorCode of codes) await seedFailedTasks(services, { count: 2, errorCode });
      const retryable = await seedFailedTasks(services, { count: 2, errorCode: 'rate_limited' });

      const human = await runCli(['bulk-retry'], services.env);
      expect(human.code).toBe(0);
      expect(human.out.split('\n')).toEqual([
        'Matched 10: failed tasks created in the last 1h, retried fewer than 3 times',
        'Retried 2',
        'Skipped 8: non_retryable:auth 2, non_retryable:insufficient_quota 2, ' +
          'non_retryable:content_filtered 2, non_retryable:invalid_request 2',
      ]);
      const [rows] = await services.database.query<{ ids: string[] }>(
        `SELECT array_agg(id::text ORDER BY id) AS ids FROM background_tasks WHERE status = 'pending'`,
      );
      expect(rows?.ids).toEqual([...retryable].sort());

      const onlyAuth = await bulkRetry(services, '--error-code', 'auth', '--include-non-retryable');
      expect(onlyAuth).toMatchObject({ matched: 2, retried: 2, skipped: {} });
      const rest = await bulkRetry(services, '--include-non-retryable');
      expect(rest).toMatchObject({ matched: 6, retried: 6, skipped: {} });
    });
  });

  it('should pace a retry to --rate: no second holds many more tasks than the rate', async () => {
    await withServices('cli-bulk-rate', async (services) => {
      await seedFailedTasks(services, { count: 60 });
      expect(await bulkRetry(services, '--rate', '20/s')).toMatchObject({ retried: 60 });
      const jobs = (
        await Promise.all(TASK_QUEUES.map((name) => services.queues[name].getJobs(['wait'], 0, -1)))
      ).flat();
      const times = jobs.map((job) => job.timestamp).sort((left, right) => left - right);
      expect(times).toHaveLength(60);
      // Count the new jobs in every one-second window: paced, about 20 (chunks of 2 every
      // 100 ms, plus a chunk at each edge); unpaced, all 60 would land in one window.
      const busiest = Math.max(
        ...times.map(
          (start) => times.filter((time) => time >= start && time < start + 1_000).length,
        ),
      );
      expect(busiest).toBeLessThanOrEqual(30);
      // 30 chunks, each begun at least 100 ms after the one before.
      expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2_500);
    });
  });
});
