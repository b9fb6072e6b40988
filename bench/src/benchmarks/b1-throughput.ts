/**
 * B1: tasks per second end to end. aiq: HTTP POST with a bearer key → the ledger row → the
 * queue → the worker process → the provider (the mock: 8 tokens, no delay) → the completed row,
 * one API process and one worker process at the default concurrency. Baseline: a bare BullMQ
 * worker process (concurrency 8) making the same streaming SDK call and storing nothing, fed by
 * `queue.add` from as many concurrent producers as aiq has submitters.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { BenchmarkResult } from '../results.js';
import { metric } from '../results.js';
import { interleave } from '../rounds.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { entryPoint, startNode } from '../system/node-process.js';
import { BENCH_MODEL, mockDirective } from '../workload.js';
import { waitUntil } from '../wait-until.js';
import { postLoad } from './http-load.js';

export interface ThroughputParameters {
  readonly tasks: number;
  readonly warmupTasks: number;
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Requests (aiq) or `queue.add` calls (baseline) in flight at once. */
  readonly submitters: number;
}

const BARE_QUEUE = 'bare-generate';
const BARE_CONCURRENCY = 8;
const DIRECTIVE = mockDirective({ tokens: 8 });

/** How long a round may take before the bench gives up on it: 50 tasks/s at the least. */
const timeoutFor = (tasks: number) => 30_000 + tasks * 20;

interface TaskCounts {
  completed: number;
  ended: number;
}

/** Options of {@link generateAndAwait}. */
export interface GenerateAndAwaitOptions {
  /** The user's id starts with this; its rows are the batch's. */
  readonly userPrefix: string;
  /** The prompt, `[<id>]` made unique per request. */
  readonly prompt: string;
  readonly tasks: number;
  /** Requests in flight at once. */
  readonly submitters: number;
  readonly timeoutMs: number;
}

/**
 * Submits `tasks` generations over HTTP as a fresh user and waits until every one is
 * completed in the ledger (any failure fails the run).
 * @returns tasks per second, from the first request to the last completed row
 */
export async function generateAndAwait(
  system: AiqSystem,
  api: AiqProcess,
  { userPrefix, prompt, tasks, submitters, timeoutMs }: GenerateAndAwaitOptions,
): Promise<number> {
  const userId = `${userPrefix}-${randomUUID().slice(0, 8)}`;
  const key = await system.keyFor(userId);
  const started = performance.now();
  await postLoad({
    url: `${api.url}/api/ai/generate`,
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: BENCH_MODEL, prompt, stream: false }),
    connections: submitters,
    amount: tasks,
  });
  await waitUntil(
    async () => {
      const [counts] = await system.database.query<TaskCounts>(
        `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
                count(*) FILTER (WHERE status IN ('failed', 'timeout', 'cancelled'))::int AS ended
         FROM background_tasks WHERE user_id = $1`,
        [userId],
      );
      if ((counts?.ended ?? 0) > 0) throw new Error(`${counts?.ended} aiq tasks failed`);
      return (counts?.completed ?? 0) >= tasks;
    },
    { what: `${tasks} aiq tasks completed`, timeoutMs },
  );
  return tasks / ((performance.now() - started) / 1_000);
}

function aiqRound(system: AiqSystem, api: AiqProcess, tasks: number, submitters: number) {
  return generateAndAwait(system, api, {
    userPrefix: 'b1',
    prompt: `Task [<id>]: say eight words ${DIRECTIVE}`,
    tasks,
    submitters,
    timeoutMs: timeoutFor(tasks),
  });
}

async function baselineRound(queue: Queue, tasks: number, submitters: number) {
  const before = (await queue.getJobCounts('completed')).completed ?? 0;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      while (next < tasks) {
        next += 1;
        await queue.add('generate', {
          model: BENCH_MODEL,
          messages: [
            { role: 'user', content: `Task ${randomUUID()}: say eight words ${DIRECTIVE}` },
          ],
        });
      }
    }),
  );
  await waitUntil(
    async () => {
      const counts = await queue.getJobCounts('completed', 'failed');
      if ((counts.failed ?? 0) > 0) throw new Error(`B1: ${counts.failed} bare jobs failed`);
      return (counts.completed ?? 0) - before >= tasks;
    },
    { what: `B1: ${tasks} bare jobs completed`, timeoutMs: timeoutFor(tasks) },
  );
  return tasks / ((performance.now() - started) / 1_000);
}

export async function runThroughput(
  system: AiqSystem,
  api: AiqProcess,
  parameters: ThroughputParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const bareWorker = await startNode(entryPoint('bench/src/baselines/bare-worker.ts'), {
    args: [
      ...['--redis', system.redisUrl, '--prefix', system.prefix, '--queue', BARE_QUEUE],
      ...['--concurrency', String(BARE_CONCURRENCY), '--base-url', system.mockOpenAiUrl],
    ],
    readyPattern: /bare worker ready/,
  });
  const queue = new Queue(BARE_QUEUE, { connection: system.redis, prefix: system.prefix });
  try {
    const { tasks, warmupTasks, submitters } = parameters;
    const count = (warmup: boolean) => (warmup ? warmupTasks : tasks);
    const rounds = await interleave({
      label: 'B1',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      aiq: ({ warmup }) => aiqRound(system, api, count(warmup), submitters),
      baseline: ({ warmup }) => baselineRound(queue, count(warmup), submitters),
      describe: (aiq, baseline) =>
        `aiq ${aiq.toFixed(0)} tasks/s, bare worker ${baseline.toFixed(0)} jobs/s`,
      between: () => system.clearMockLog(),
    });
    return {
      id: 'B1',
      title: 'tasks/s end to end',
      aiqSide:
        'POST /api/ai/generate (bearer key) → ledger → queue → worker → mock (8 tokens, no delay) → completed row; one API and one worker process, default concurrency',
      baselineSide: `queue.add → a bare BullMQ worker process (concurrency ${BARE_CONCURRENCY}) making the same streaming openai SDK call, storing nothing`,
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      parameters: { ...parameters, tokens: 8, bareConcurrency: BARE_CONCURRENCY },
      metrics: [
        metric(
          { name: 'tasks/s end to end', unit: 'tasks/s', better: 'higher', compare: 'ratio' },
          rounds.aiq,
          rounds.baseline,
        ),
      ],
      checks: { failedTasks: 0, failedBareJobs: 0 },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await queue.close();
    await bareWorker.stop();
  }
}
