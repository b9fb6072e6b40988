import { fileURLToPath } from 'node:url';
import { loadConfig } from '@aiq/config';
import { loadModelRegistry } from '@aiq/providers';
import { closeQueues, createQueues } from '@aiq/queue';
import { jobsOf, seedFailedJobs, seedFailedRows } from '@aiq/tasks/testing';
import { spawnNode, TEST_NOW, type SpawnedProcess } from '@aiq/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import type { AcceptedTask, LoadLog } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';

// The CLI as an operator runs it: its own process, configured by the environment.
const CLI_ENTRY = fileURLToPath(new URL('../../../apps/cli/src/main.ts', import.meta.url));
const TASKS = 10_000;

/** The tag of task `n`, which the oracle finds in the mock's log (`chaos-<n>-<8 hex>`). */
function tagOf(n: number): string {
  return `chaos-${n + 1}-${(n + 1).toString(16).padStart(8, '0')}`;
}

/**
 * TASKS failed tasks as a rate-limit storm leaves them (the B6 benchmark's seed): rows failed
 * with `rate_limited` after 3 attempts, and the failed jobs a real BullMQ worker left. Seeded
 * in bulk, as 10,000 submissions failed through the fleet would take longer than the row may.
 * Each prompt carries its tag and a short answer for the retry.
 */
async function seedStorm(system: ChaosSystem): Promise<AcceptedTask[]> {
  const config = loadConfig({ MODELS_AS_OF: TEST_NOW, ...system.env });
  const redis = new Redis(system.redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, config.redis.prefix);
  try {
    const rows = await seedFailedRows(system.database, TASKS, {
      text: (n) => `Task ${tagOf(n)} [[mock tokens=3]]`,
      // One completed attempt per task, as the oracle counts them.
      generationsOnly: true,
    });
    const ground = {
      config,
      prefix: config.redis.prefix,
      database: system.database,
      queues,
      registry: loadModelRegistry(config.models),
    };
    await seedFailedJobs(ground, system.redis.url, jobsOf(rows, ground.registry));
    const acceptedAt = Date.now();
    return rows.map((row, n) => ({
      taskId: row.id,
      tag: tagOf(n),
      idempotencyKey: '',
      acceptedAt,
    }));
  } finally {
    await closeQueues(queues);
    redis.disconnect();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function countRows(system: ChaosSystem, where: string): Promise<number> {
  const [row] = await system.database.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM background_tasks WHERE ${where}`,
  );
  return row?.count ?? 0;
}

function exited(process: SpawnedProcess): Promise<number | string> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? child.signalCode ?? 'unknown');
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
}

describe('row 11: aiq bulk-retry SIGKILLed halfway', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should retry each of 10,000 failed tasks exactly once over a killed run and a rerun', async () => {
    const startedAt = Date.now();
    // 10,000 retried tasks wait their turn behind one worker: at a shared host's pace the last
    // ones waited past the default deadline (3.5 minutes: 3 attempts of 60 s + 10 s) and ended
    // `timeout`. Deadlines are row 8's subject; this row's is that each task is retried once.
    system = await startChaosSystem({ env: { GENERATE_TIMEOUT_MS: '900000' } });
    const accepted = await seedStorm(system);
    const seededMs = Date.now() - startedAt;
    await system.startWorker();

    // The operator's bulk retry, killed once about half the tasks are reopened: the ledger, not
    // a clock, says when.
    const first = spawnNode(CLI_ENTRY, { env: system.env, args: ['bulk-retry', '--json'] });
    await expect
      .poll(() => countRows(system as ChaosSystem, 'retry_count >= 1'), {
        timeout: 180_000,
        interval: 10,
      })
      .toBeGreaterThanOrEqual(TASKS / 2);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const killedAtMs = Date.now() - startedAt;
    const reopenedByKilled = await countRows(system, 'retry_count >= 1');
    expect(reopenedByKilled).toBeLessThan(TASKS);

    // The same command again: it takes what the killed run left failed, and only that.
    const second = spawnNode(CLI_ENTRY, { env: system.env, args: ['bulk-retry', '--json'] });
    expect(await exited(second), second.stderr()).toBe(0);
    const summary = JSON.parse(second.stdout()) as {
      matched: number;
      retried: number;
      retriedByEarlierRun: number;
    };
    expect(summary).toMatchObject({
      matched: TASKS - reopenedByKilled,
      retried: TASKS - reopenedByKilled,
      retriedByEarlierRun: reopenedByKilled,
    });
    const rerunAtMs = Date.now() - startedAt;

    const load: { log: LoadLog } = { log: { accepted, refused: new Map(), outcomes: [] } };
    const verdict = await finishRow(system, load, {
      row: '11',
      fault: `aiq bulk-retry of ${TASKS} failed tasks SIGKILLed halfway (after ${reopenedByKilled} reopened), then run again`,
      startedAt,
      notes: [
        `seeded by ${seconds(seededMs)}, CLI killed at ${seconds(killedAtMs)}, rerun done at ${seconds(rerunAtMs)}`,
        `killed run reopened ${reopenedByKilled}; rerun matched ${summary.matched}, retried ${summary.retried}, reported ${summary.retriedByEarlierRun} already retried by the killed run`,
      ],
      drainMs: 480_000,
    });
    expect(verdict.completed).toBe(TASKS);

    // Exactly once overall: every task's retry_count is 1 (a second retry would make it 2, a
    // missed one leave it 0), and each reached the mock. A job re-run after its worker lost its
    // lock (a starved host) calls again: the oracle bounds those by the interrupted attempts.
    expect(
      await system.database.query(
        'SELECT status, retry_count, count(*)::int AS count FROM background_tasks GROUP BY 1, 2',
      ),
    ).toEqual([{ status: 'completed', retry_count: 1, count: TASKS }]);
    const tags = new Set(accepted.map((task) => task.tag));
    const called = new Set(
      system.mock
        .requests()
        .map((call) => /chaos-\d+-[0-9a-f]{8}/.exec(JSON.stringify(call.body))?.[0])
        .filter((tag) => tag !== undefined && tags.has(tag)),
    );
    expect(called.size).toBe(TASKS);
  }, 900_000);
});
