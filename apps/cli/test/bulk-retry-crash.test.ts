import { fileURLToPath } from 'node:url';
import type { QueueName } from '@aiq/queue';
import { enqueueTaskJob, findTask, resumeReopenedTask, taskJobFor } from '@aiq/tasks';
import { spawnNode } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { seedFailedTasks } from './harness/failed-tasks.js';
import { runCli } from './harness/run-cli.js';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TASKS = 3_000;
/** `--rate 1000/s` retries chunks of 100 every 100 ms: a kill interrupts at most one chunk. */
const CHUNK = 100;

async function countRows(services: CliServices, where: string): Promise<number> {
  const [row] = await services.database.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM background_tasks WHERE ${where}`,
  );
  return row?.count ?? 0;
}

/** Each task's job now: the new run's (waiting, retry 1), the old run's (failed), or none. */
async function jobsByTask(services: CliServices) {
  const found = new Map<string, 'new' | 'old' | 'other'>();
  for (const name of ['generate-openai', 'background-task'] as QueueName[]) {
    const queue = services.queues[name];
    for (const job of await queue.getJobs(['wait'], 0, -1)) {
      const retry = (job.data as { retry: number }).retry;
      found.set(job.id ?? '', retry === 1 ? 'new' : 'other');
    }
    for (const id of await queue.getRanges(['failed'], 0, -1)) {
      found.set(id, found.has(id) ? 'other' : 'old');
    }
    const { active = 0, delayed = 0 } = await queue.getJobCounts('active', 'delayed');
    expect(active + delayed).toBe(0);
  }
  return found;
}

describe('aiq bulk-retry killed halfway', () => {
  it('should retry every task exactly once over a SIGKILLed run and a second run', async () => {
    const services = await openCliServices('cli-crash');
    try {
      const ids = await seedFailedTasks(services, { count: TASKS });
      const cli = spawnNode(entry, {
        env: services.env,
        args: ['bulk-retry', '--rate', '1000/s', '--json'],
      });
      // Kill it once it is well under way: a row, not a clock, says when.
      await expect
        .poll(() => countRows(services, 'retry_count = 1'), { timeout: 30_000, interval: 20 })
        .toBeGreaterThanOrEqual(TASKS / 5);
      expect(await cli.stop('SIGKILL')).toBe('SIGKILL');
      const reopened = await countRows(services, 'retry_count = 1');
      expect(reopened).toBeLessThan(TASKS);

      // The second run takes only the tasks still failed (a reopened task is pending), and says
      // where the others went.
      const second = await runCli(['bulk-retry', '--json'], services.env);
      expect(second.code).toBe(0);
      expect(JSON.parse(second.out)).toMatchObject({
        matched: TASKS - reopened,
        retried: TASKS - reopened,
        retriedByEarlierRun: reopened,
      });
      const third = await runCli(['bulk-retry'], services.env);
      expect(third.out).toContain(
        `${reopened} already retried by an earlier bulk retry that did not finish`,
      );
      expect(
        await services.database.query(
          'SELECT status, retry_count, count(*)::int AS count FROM background_tasks GROUP BY 1, 2',
        ),
      ).toEqual([{ status: 'pending', retry_count: 1, count: TASKS }]);

      // Every task has its new job, except the few of the chunk the kill interrupted: reopened
      // in Postgres, their old failed job not yet replaced (or removed, the new one not added).
      const jobs = await jobsByTask(services);
      const unfinished = ids.filter((id) => jobs.get(id) !== 'new');
      expect(unfinished.filter((id) => jobs.get(id) === 'other')).toEqual([]);
      expect(unfinished.length).toBeLessThanOrEqual(CHUNK);

      // The reconciler's half (not running here) finishes those without counting them twice.
      for (const id of unfinished) {
        const generation = await services.queues['generate-openai'].getJob(id);
        const oldJob = generation ?? (await services.queues['background-task'].getJob(id));
        if (oldJob !== undefined) {
          // Its old run's failed job is there: a new run, on the same retry_count.
          expect(await resumeReopenedTask(services, id, oldJob)).toBe(true);
          continue;
        }
        // Removed, the new job not added yet: the reconciler enqueues it from the row.
        const row = await findTask(services.database, id);
        if (row === undefined) throw new Error(`no row ${id}`);
        await enqueueTaskJob(
          services.queues,
          taskJobFor(row, services.registry),
          services.config.retry,
        );
      }
      const settled = await jobsByTask(services);
      expect(ids.filter((id) => settled.get(id) !== 'new')).toEqual([]);
      expect(await countRows(services, 'retry_count = 1')).toBe(TASKS);
    } finally {
      await services.close();
    }
  });
});
