import { loadModelRegistry } from '@aiq/providers';
import { readRoutingState } from '@aiq/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

// Chaos row 8 asks whether a fallback's timeouts count against the provider it fell back to:
// a provider that accepts calls and never answers must open its circuit, whoever sent them.
describe('timeouts of fallback calls', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorkerHarness({
      env: {
        GENERATE_TIMEOUT_MS: '600',
        GENERATE_RETRY_ATTEMPTS: '1',
        // A task deadline of (600 + 2000) × 1 ms: the fallback's call has its whole timeout.
        RETRY_MAX_DELAY_MS: '2000',
        CIRCUIT_FAILURE_THRESHOLD: '3',
        CIRCUIT_MIN_REQUESTS: '1000000',
        CIRCUIT_RESET_MS: '60000',
      },
    });
  });
  afterAll(() => harness.close());

  async function circuit(provider: string): Promise<string | undefined> {
    const registry = loadModelRegistry(harness.config.models);
    const state = await readRoutingState(
      harness.redis,
      harness.config.redis.prefix,
      registry.list(),
    );
    return state.providers[provider]?.circuit.state;
  }

  it('should open the fallback provider circuit after its threshold of timed-out calls', async () => {
    harness.mock.addScenario({ provider: 'deepseek', fault: 'server_error' });
    harness.mock.addScenario({ provider: 'anthropic', fault: 'hang' });
    const extra = { fallback: true, fallbackModels: ['claude-haiku-4-5'] };
    for (const index of [1, 2, 3]) {
      const { taskId } = await harness.submit(generation('deepseek-chat', `Storm ${index}`, extra));
      const events = await harness.events.waitForTerminal(taskId);
      expect(events.map((event) => event.type)).toContain('fallback');
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout' });
    }
    const hung = harness.mock.requests({ provider: 'anthropic' });
    expect(hung).toHaveLength(3);
    // Each was cut at its attempt's timeout (GENERATE_TIMEOUT_MS), long before the task deadline.
    for (const call of hung)
      expect((call.closedAt ?? Infinity) - call.timestamp).toBeLessThan(1_000);
    expect(await circuit('anthropic')).toBe('open');
  });
});
