import { createMaintenanceQueue, RETENTION_JOB_NAME } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

const TASKS = 40;
/** Output words per task: about 15 KB of text each (mock-llm words average ~6 bytes). */
const OUTPUT_TOKENS = 2_400;
/**
 * Redis bytes a finished task may keep once its replay log expired: the job hash kept for Bull
 * Board (its input, options, a small return value) and its place in the completed set. A task's
 * output must not be among them, so the bound is far below the output's size.
 */
const MAX_BYTES_PER_TASK = 3_072;

/** `MEMORY USAGE` summed over the keys under the prefix (tasks' and queues'), and by kind. */
async function prefixMemory(redis: Redis, prefix: string) {
  let cursor = '0';
  let bytes = 0;
  const kinds = new Map<string, number>();
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      // The fleet's maintenance schedulers (reconcile, retention, token usage) keep their run
      // history whether tasks come or not, and their first runs land before or after the
      // baseline by timing alone: not a task's memory.
      if (key.startsWith(`${prefix}:maintenance:`)) continue;
      const usage = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      bytes += usage;
      // `<prefix>:<queue>:<uuid>` → `<queue>:<id>`, `<prefix>:events:{id}:log` → `events:log`.
      const kind = key
        .slice(prefix.length + 1)
        .replace(/\{?[0-9a-f]{8}-[0-9a-f-]{27}\}?/g, '<id>')
        .replace(/:\d+$/, ':<n>');
      kinds.set(kind, (kinds.get(kind) ?? 0) + usage);
    }
  } while (cursor !== '0');
  return { bytes, kinds };
}

describe('redis retention', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    // Replay logs expire a second after a task's last event, so the test need not wait an hour
    // to see what a finished task keeps; everything else keeps its production default.
    harness = await startWorkerHarness({ env: { EVENTS_REPLAY_TTL_SECONDS: '1' } });
  });
  afterAll(() => harness.close());

  it('should keep far less Redis memory per finished task than its output, whatever the output size', async () => {
    // What the fleet holds with no task yet (queue metadata, schedulers) is not a task's.
    const before = await prefixMemory(harness.redis, harness.config.redis.prefix);
    harness.mock.addScenario({ fault: { tokens: OUTPUT_TOKENS } });
    const models = ['gpt-5', 'claude-haiku-4-5', 'deepseek-chat'];
    const tasks = await Promise.all(
      Array.from({ length: TASKS }, (_, index) =>
        harness.submit(
          generation(models[index % models.length] ?? 'gpt-5', `Task ${index}`, {
            maxTokens: OUTPUT_TOKENS * 2,
          }),
        ),
      ),
    );
    let outputBytes = 0;
    for (const { taskId } of tasks) {
      const events = await harness.events.waitForTerminal(taskId, 60_000);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      for (const event of events) {
        if (event.type === 'token') outputBytes += Buffer.byteLength(event.text);
      }
    }
    await harness.worker.flushLedger();
    // Past the replay logs' TTL.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const { bytes, kinds } = await prefixMemory(harness.redis, harness.config.redis.prefix);
    const perTask = Math.round((bytes - before.bytes) / TASKS);
    const outputPerTask = Math.round(outputBytes / TASKS);
    const summary = Object.fromEntries([...kinds].sort(([, left], [, right]) => right - left));
    expect(outputPerTask, 'the output each task wrote').toBeGreaterThan(10_000);
    const explained = `bytes per task ${perTask} by key kind: ${JSON.stringify(summary)}`;
    expect(perTask, explained).toBeLessThan(MAX_BYTES_PER_TASK);
    expect(perTask, explained).toBeLessThan(outputPerTask / 4);
    // A finished task's partial-output mark goes with it, not a day later.
    const lingering = [...kinds.keys()].filter((kind) => kind.startsWith('partial-output'));
    expect(lingering).toEqual([]);
  }, 180_000);

  it('should schedule the retention sweep once for the fleet on the maintenance queue', async () => {
    const maintenance = createMaintenanceQueue(harness.redis, harness.config.redis.prefix);
    try {
      await expect
        .poll(() => maintenance.getJobScheduler(RETENTION_JOB_NAME), { timeout: 5_000 })
        .toMatchObject({ every: harness.config.retention.sweepIntervalMs });
      // One maintenance job at a time across every worker (BullMQ global concurrency).
      expect(await maintenance.getGlobalConcurrency()).toBe(1);
    } finally {
      await maintenance.close();
    }
  });
});
