/**
 * `pnpm bench`: aiq measured side by side with a baseline in one run, printing ratios.
 *
 * enqueue: aiq's `enqueue()` (zod validation of the job schema + job id = task id) against
 * plain BullMQ `queue.add()` of the same payload on the same Redis, alternating rounds so
 * neither side gets a warmer Redis.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { closeQueues, createQueues, enqueue } from '@aiq/queue';
import { measure, report, type Measurement } from './measure.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env['BENCH_JOBS'] ?? 5_000);
const CONCURRENCY = 50;
const ROUNDS = 3;

const payload = () => ({
  taskId: randomUUID(),
  userId: 'bench-user',
  model: 'gpt-5.6-sol',
  messages: [
    { role: 'user' as const, content: 'Summarise the plot of the novel in three sentences.' },
  ],
  deadlineAt: Date.now() + 60_000,
});

async function cleanup(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `aiq-bench-${randomUUID().slice(0, 8)}`;
  const queues = createQueues(redis, prefix);
  const baselineQueue = new Queue('baseline', { connection: redis, prefix });
  const best = {
    aiq: undefined as Measurement | undefined,
    baseline: undefined as Measurement | undefined,
  };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const runBaseline = () =>
        measure('bullmq queue.add', JOBS, CONCURRENCY, () => {
          const data = payload();
          return baselineQueue.add('generate', data, { jobId: data.taskId });
        });
      const runAiq = () =>
        measure('aiq enqueue', JOBS, CONCURRENCY, () =>
          enqueue(queues, 'generate-openai', payload()),
        );
      // Alternate which side goes first, so neither always meets the warmer Redis.
      const [aiq, baseline] =
        round % 2 === 0
          ? [await runAiq(), await runBaseline()]
          : await runBaseline().then(async (first) => [await runAiq(), first] as const);
      if (!best.aiq || aiq.perSecond > best.aiq.perSecond) best.aiq = aiq;
      if (!best.baseline || baseline.perSecond > best.baseline.perSecond) best.baseline = baseline;
      await cleanup(redis, prefix);
    }
    if (best.aiq && best.baseline) {
      process.stdout.write(
        `enqueue, ${JOBS} jobs x ${ROUNDS} rounds (best round each):\n  ${report(best.aiq, best.baseline)}\n`,
      );
    }
  } finally {
    await closeQueues(queues);
    await baselineQueue.close();
    await cleanup(redis, prefix);
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exit(1);
});
