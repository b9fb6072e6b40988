import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskEvent } from '@aiq/events';
import { loadModelRegistry } from '@aiq/providers';
import { readRoutingState } from '@aiq/routing';
import { createTestDatabase, deletePrefix, testServices, type SpawnedProcess } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { startProducerHarness, type ProducerHarness } from './harness/producer-harness.js';
import { generation } from './harness/worker-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

/** Circuit settings of these tests: the consecutive rule only, and short cool-downs. */
const CIRCUIT_ENV = {
  CIRCUIT_FAILURE_THRESHOLD: '5',
  CIRCUIT_MIN_REQUESTS: '1000000',
  CIRCUIT_RESET_MS: '500',
  CIRCUIT_MAX_RESET_MS: '1000',
};
const FAILING = 'gpt-5.6-sol';
const FALLBACK = 'claude-sonnet-5-5';

interface LoggedTransition {
  readonly provider: string;
  readonly model: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** pino's epoch ms. */
  readonly time: number;
}

/** The `circuit transition` lines the workers logged (each transition is made by one process). */
function loggedTransitions(workers: readonly SpawnedProcess[]): LoggedTransition[] {
  return workers
    .flatMap((worker) => worker.stdout().split('\n'))
    .filter((line) => line.includes('"circuit transition"'))
    .map((line) => JSON.parse(line) as LoggedTransition)
    .sort((a, b) => a.time - b.time);
}

async function providerCircuit(harness: ProducerHarness, provider: string): Promise<string> {
  const registry = loadModelRegistry(harness.config.models);
  const state = await readRoutingState(harness.redis, harness.config.redis.prefix, registry.list());
  return state.providers[provider]?.circuit.state ?? 'missing';
}

/** Waits until the mock has answered every openai request: nothing in flight. */
async function settledOpenAi(harness: ProducerHarness): Promise<void> {
  await expect
    .poll(
      () =>
        harness.mock.requests({ provider: 'openai' }).every((request) => request.closedAt !== null),
      { timeout: 5_000, interval: 20 },
    )
    .toBe(true);
  await sleep(100);
}

async function withFleet(
  env: Record<string, string>,
  settings: { generationConcurrency: number },
  run: (harness: ProducerHarness, workers: SpawnedProcess[]) => Promise<void>,
): Promise<void> {
  const { redisUrl } = await testServices();
  const testDatabase = await createTestDatabase();
  const harness = await startProducerHarness({
    redisUrl,
    databaseUrl: testDatabase.url,
    env: { ...CIRCUIT_ENV, ...env },
  });
  const workers = await Promise.all([
    spawnWorkerProcess(harness.env, settings),
    spawnWorkerProcess(harness.env, settings),
  ]);
  try {
    await run(harness, workers);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    await deletePrefix(harness.redis, harness.config.redis.prefix);
    await harness.close();
    await testDatabase.drop();
  }
}

function doneOf(events: readonly TaskEvent[]) {
  return events.find((event) => event.type === 'done');
}

describe('circuit breakers across worker processes', () => {
  it('should open on 5 server errors across two workers, let only half-open probes through, and close after recovery', async () => {
    // Ten attempts: the probes a waiting task wins are charged, and it must outlive them.
    await withFleet(
      { RETRY_ATTEMPTS: '10' },
      { generationConcurrency: 1 },
      async (harness, workers) => {
        harness.mock.addScenario({ provider: 'openai', fault: 'server_error' });
        const tasks = await Promise.all(
          [0, 1, 2].map(
            (index) => harness.submit(generation(FAILING, `Outage ${index}`)), // fallback: false
          ),
        );
        await expect
          .poll(() => providerCircuit(harness, 'openai'), { timeout: 10_000 })
          .toBe('open');
        await settledOpenAi(harness);
        const beforeOpen = harness.mock.requests({ provider: 'openai' }).length;
        // Five failures open it; at most one call per worker was already on its way.
        expect(beforeOpen).toBeGreaterThanOrEqual(5);
        expect(beforeOpen).toBeLessThanOrEqual(5 + workers.length);
        const opened = loggedTransitions(workers).filter((entry) => entry.model === 'all');
        expect(opened[0]).toMatchObject({
          from: 'closed',
          to: 'open',
          reason: 'consecutive_failures',
        });

        // While open, only probes reach the provider: one per half-open episode (one slot).
        const watchFrom = Date.now();
        await sleep(2_500);
        const whileOpen = harness.mock
          .requests({ provider: 'openai' })
          .filter((request) => request.timestamp >= watchFrom);
        const halfOpens = loggedTransitions(workers).filter(
          (entry) =>
            entry.model === 'all' && entry.to === 'half_open' && entry.time >= watchFrom - 50,
        );
        console.log(
          `[circuit] openai requests while open: ${whileOpen.length}; half-open probes allowed: ${halfOpens.length}`,
        );
        expect(whileOpen.length).toBeGreaterThanOrEqual(1);
        expect(whileOpen.length).toBeLessThanOrEqual(halfOpens.length);

        // Recovery: the next probe succeeds, the circuit closes, the waiting tasks finish on openai.
        harness.mock.clearScenarios();
        await expect
          .poll(() => providerCircuit(harness, 'openai'), { timeout: 10_000 })
          .toBe('closed');
        for (const task of tasks) {
          const done = doneOf(await harness.events.waitForTerminal(task.taskId, 20_000));
          expect(done).toMatchObject({ type: 'done', model: FAILING });
        }
        expect(
          loggedTransitions(workers)
            .filter((entry) => entry.model === 'all')
            .at(-1),
        ).toMatchObject({
          from: 'half_open',
          to: 'closed',
          reason: 'probe_succeeded',
        });
      },
    );
  }, 90_000);

  it('should complete all 200 generations via anthropic during an openai outage, each with its fallback recorded', async () => {
    await withFleet({}, { generationConcurrency: 20 }, async (harness, workers) => {
      harness.mock.addScenario({ provider: 'openai', fault: 'server_error' });
      // The outage begins: the first tasks trip the circuit.
      const first = await Promise.all(
        [0, 1, 2, 3, 4].map((index) =>
          harness.submit(generation(FAILING, `Trip ${index}`, { fallback: true })),
        ),
      );
      await expect.poll(() => providerCircuit(harness, 'openai'), { timeout: 10_000 }).toBe('open');
      await settledOpenAi(harness);
      const watchFrom = Date.now();
      const load = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          harness.submit(generation(FAILING, `Load ${index}`, { fallback: true })),
        ),
      );
      const tasks = [...first, ...load];
      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 60_000);
      const whileOpen = harness.mock
        .requests({ provider: 'openai' })
        .filter((request) => request.timestamp >= watchFrom);
      const halfOpens = loggedTransitions(workers).filter(
        (entry) =>
          entry.model === 'all' && entry.to === 'half_open' && entry.time >= watchFrom - 50,
      );
      const completed = tasks.filter((task) => {
        const events = harness.events.events(task.taskId);
        return (
          doneOf(events)?.model === FALLBACK &&
          events.some(
            (event) =>
              event.type === 'fallback' &&
              event.fromModel === FAILING &&
              event.toModel === FALLBACK,
          )
        );
      });
      console.log(
        `[outage] load of ${load.length}: openai requests while its circuit was open: ${whileOpen.length} ` +
          `(half-open probes allowed: ${halfOpens.length}); completed via ${FALLBACK} with fallback recorded: ` +
          `${completed.filter((task) => load.includes(task)).length}/${load.length} ` +
          `(plus ${completed.filter((task) => first.includes(task)).length}/${first.length} that tripped it)`,
      );
      expect(whileOpen.length).toBeLessThanOrEqual(halfOpens.length);
      expect(completed).toHaveLength(tasks.length);

      // The ledger: every task completed, every completed attempt row names the answering model.
      await expect
        .poll(
          async () =>
            (
              await harness.database.query<{ count: string }>(
                `SELECT count(*) FROM background_tasks WHERE status = 'completed'`,
              )
            )[0]?.count,
          { timeout: 30_000, interval: 250 },
        )
        .toBe(String(tasks.length));
      await expect
        .poll(
          async () =>
            await harness.database.query<{ model: string; provider: string; count: string }>(
              `SELECT model, provider, count(*) FROM ai_requests WHERE status = 'completed'
               GROUP BY model, provider`,
            ),
          { timeout: 30_000, interval: 250 },
        )
        .toEqual([{ model: FALLBACK, provider: 'anthropic', count: String(tasks.length) }]);
    });
  }, 120_000);
});
