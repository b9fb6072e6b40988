import { createCircuitBreaker, disableTarget, enableTarget } from '@aiq/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generation, startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

const OPENAI_MODEL = 'gpt-5.6-sol';
const FALLBACK = 'claude-sonnet-5-5';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('routing in the worker', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    // A long cool-down: the circuit stays open for the whole file once a test opens it.
    harness = await startWorkerHarness({
      env: { CIRCUIT_FAILURE_THRESHOLD: '5', CIRCUIT_RESET_MS: '600000' },
      settings: { generationConcurrency: 4 },
    });
  });
  afterAll(() => harness.close());

  async function timeToDone(model: string, content: string) {
    const startedAt = performance.now();
    const task = await harness.submit(generation(model, content, { fallback: true }));
    const events = await harness.events.waitForTerminal(task.taskId, 20_000);
    return { ms: performance.now() - startedAt, events };
  }

  it('should send a model disabled by an operator to its fallback, and back once enabled', async () => {
    const { prefix } = harness.config.redis;
    await disableTarget(harness.redis, prefix, OPENAI_MODEL, {
      reason: 'test',
      actor: 'ops',
      at: 1,
    });
    const disabled = await timeToDone(OPENAI_MODEL, 'While disabled');
    expect(disabled.events).toContainEqual(
      expect.objectContaining({ type: 'fallback', toModel: FALLBACK, code: 'model_disabled' }),
    );
    expect(disabled.events.at(-1)).toMatchObject({ type: 'done', model: FALLBACK });
    await enableTarget(harness.redis, prefix, OPENAI_MODEL);
    const enabled = await timeToDone(OPENAI_MODEL, 'Once enabled');
    expect(enabled.events.at(-1)).toMatchObject({ type: 'done', model: OPENAI_MODEL });
    expect(enabled.events.some((event) => event.type === 'fallback')).toBe(false);
  });

  it('should fail fallback_context_exceeded, naming the model, rather than fall back to one that cannot hold the request', async () => {
    const { prefix } = harness.config.redis;
    await disableTarget(harness.redis, prefix, OPENAI_MODEL, {
      reason: 'test',
      actor: 'ops',
      at: 1,
    });
    try {
      // Over 100,000 prompt tokens: within gpt-5.6-sol's window, over deepseek-chat's 64,000.
      const prompt = Array.from({ length: 50_000 }, (_, index) => `w${index}`).join(' ');
      const task = await harness.submit(
        generation(OPENAI_MODEL, prompt, {
          fallback: true,
          fallbackModels: ['deepseek-chat'],
        }),
      );
      const events = await harness.events.waitForTerminal(task.taskId, 20_000);
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'fallback_context_exceeded' });
      expect(JSON.stringify(events.at(-1))).toContain('deepseek-chat');
      expect(events.some((event) => event.type === 'fallback')).toBe(false);
      expect(harness.mock.requests({ provider: 'deepseek' })).toHaveLength(0);
    } finally {
      await enableTarget(harness.redis, prefix, OPENAI_MODEL);
    }
  });

  it('should send a new task straight to its fallback while the circuit is open, within 100 ms of a direct one', async () => {
    const breaker = createCircuitBreaker({
      redis: harness.redis,
      prefix: harness.config.redis.prefix,
      options: harness.config.circuit,
    });
    for (let index = 0; index < 5; index += 1) {
      await breaker.record('openai', OPENAI_MODEL, 'failure');
    }
    harness.mock.clearRequests();
    const routed: number[] = [];
    const direct: number[] = [];
    for (let index = 0; index < 8; index += 1) {
      // The same prompt length both ways, so the answers are alike in size.
      const viaFallback = await timeToDone(OPENAI_MODEL, `Latency A${index}`);
      expect(viaFallback.events).toContainEqual(
        expect.objectContaining({
          type: 'fallback',
          fromModel: OPENAI_MODEL,
          code: 'circuit_open',
        }),
      );
      expect(viaFallback.events.at(-1)).toMatchObject({ type: 'done', model: FALLBACK });
      routed.push(viaFallback.ms);
      direct.push((await timeToDone(FALLBACK, `Latency B${index}`)).ms);
    }
    console.log(
      `[latency] median via open circuit: ${median(routed).toFixed(1)} ms; direct to ${FALLBACK}: ${median(direct).toFixed(1)} ms`,
    );
    expect(Math.abs(median(routed) - median(direct))).toBeLessThan(100);
    // No retry ladder, no call: the open provider heard nothing.
    expect(harness.mock.requests({ provider: 'openai' })).toHaveLength(0);
    expect(harness.mock.requests({ provider: 'anthropic' })).toHaveLength(16);

    // The worker's /metrics reports the fleet-wide state it reads from Redis.
    const metrics = await fetch(`http://127.0.0.1:${harness.worker.healthPort}/metrics`);
    const body = await metrics.text();
    expect(body).toContain('aiq_circuit_state{provider="openai",model="all"} 2');
    expect(body).toContain(`aiq_circuit_state{provider="openai",model="${OPENAI_MODEL}"} 2`);
    expect(body).toContain('aiq_circuit_state{provider="anthropic",model="all"} 0');
  });
});

describe('a task whose model stays unavailable', () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    // A deadline of (500 + 100) × 3 = 1.8 s from submission.
    harness = await startWorkerHarness({ env: { GENERATE_TIMEOUT_MS: '500' } });
  });
  afterAll(() => harness.close());

  it('should wait without an attempt, then fail provider_unavailable at its deadline', async () => {
    const { prefix } = harness.config.redis;
    await disableTarget(harness.redis, prefix, 'openai', { reason: 'test', actor: 'ops', at: 1 });
    const task = await harness.submit(generation(OPENAI_MODEL, 'No way out')); // fallback: false
    const events = await harness.events.waitForTerminal(task.taskId, 10_000);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'provider_unavailable' });
    expect(events.some((event) => event.type === 'started')).toBe(false);
    expect(harness.mock.requests({ provider: 'openai' })).toHaveLength(0);
    await harness.worker.flushLedger();
    expect(await harness.task(task.taskId)).toMatchObject({
      status: 'failed',
      error_code: 'provider_unavailable',
    });
  });
});
