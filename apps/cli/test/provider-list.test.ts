import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { createCircuitBreaker, disableTarget, readRoutingState } from '@aiq/routing';
import { TEST_NOW, uniquePrefix } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { runCli } from './harness/run-cli.js';

const OPENAI_MODEL = 'gpt-5.6-sol';
const ANTHROPIC_MODEL = 'claude-sonnet-5-5';
const DEEPSEEK_MODEL = 'deepseek-chat';
const DISABLED_AT = Date.parse(TEST_NOW);

let services: CliServices;

/**
 * The fleet as workers leave it: openai's circuit open (a cool-down of a minute, so it stays
 * open through the test), anthropic's past a 1 ms cool-down (half-open: the next call probes it),
 * deepseek closed after two failures, and deepseek-chat switched off by an operator.
 */
beforeAll(async () => {
  services = await openCliServices('providers');
  const { redis, prefix, config } = services;
  const breaker = (resetMs: number) =>
    createCircuitBreaker({
      redis,
      prefix,
      options: { ...config.circuit, resetMs, maxResetMs: resetMs },
    });
  const threshold = config.circuit.failureThreshold;
  for (let index = 0; index < threshold; index += 1) {
    await breaker(60_000).record('openai', OPENAI_MODEL, 'failure');
    await breaker(1).record('anthropic', ANTHROPIC_MODEL, 'failure');
  }
  for (let index = 0; index < 2; index += 1) {
    await breaker(60_000).record('deepseek', DEEPSEEK_MODEL, 'failure');
  }
  await disableTarget(redis, prefix, DEEPSEEK_MODEL, {
    reason: 'garbled output since 09:00',
    actor: 'ops-ana',
    at: DISABLED_AT,
  });
  // The ledger's last 5 minutes: openai 1 failure in 4 calls; a caller's own error, a cache hit
  // and a call of 10 minutes ago do not count.
  await services.database.query(
    `INSERT INTO ai_requests (user_id, provider, model, status, error_code, cache_hit, created_at)
     VALUES ('u', 'openai', $1, 'completed', NULL, false, now()),
            ('u', 'openai', $1, 'completed', NULL, false, now()),
            ('u', 'openai', $1, 'timeout', 'timeout', false, now()),
            ('u', 'openai', $1, 'completed', NULL, false, now()),
            ('u', 'openai', $1, 'failed', 'invalid_request', false, now()),
            ('u', 'openai', $1, 'completed', NULL, true, now()),
            ('u', 'openai', $1, 'failed', 'server_error', false, now() - interval '10 minutes')`,
    [OPENAI_MODEL],
  );
  // Waits on the state itself (Redis's clock), not on a timer.
  await vi.waitFor(async () => {
    const state = await readRoutingState(redis, prefix, services.registry.list());
    expect(state.providers['anthropic']?.circuit.state).toBe('half_open');
  });
});

afterAll(async () => {
  await services.close();
});

describe('aiq provider list', () => {
  it('should show each circuit state, the next probe and who disabled what, when and why', async () => {
    const result = await runCli(['provider', 'list'], services.env);
    expect(result).toMatchObject({ code: 0, err: '' });
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(
      /^target +\| circuit +\| failures \| next_probe \| circuit_reason +\| error_rate_5m \| disabled +$/,
    );
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(
        /^anthropic +\| half_open \| 0 +\| now +\| consecutive_failures \| +\| no +$/,
      ),
      expect.stringMatching(
        /^ {2}claude-sonnet-5-5 +\| half_open \| 0 +\| now +\| consecutive_failures \| +\| no +$/,
      ),
      expect.stringMatching(/^deepseek +\| closed +\| 2 +\| +\| +\| +\| no +$/),
      expect.stringMatching(
        /^ {2}deepseek-chat +\| closed +\| 2 +\| +\| +\| +\| yes: garbled output since 09:00 \(by ops-ana, 2026-11-28T09:00:00\.000Z\)$/,
      ),
      expect.stringMatching(
        /^openai +\| open +\| 0 +\| in \d+s +\| consecutive_failures \| 25\.0% \(1\/4\) +\| no +$/,
      ),
      expect.stringMatching(
        /^ {2}gpt-5\.6-sol +\| open +\| 0 +\| in \d+s +\| consecutive_failures \| +\| no +$/,
      ),
      '(6 rows)',
    ]);
  });

  it('should print the same state as JSON for machines', async () => {
    const result = await runCli(['provider', 'list', '--json'], services.env);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.out) as Record<string, unknown>[];
    const closed = {
      circuit: 'closed',
      circuit_reason: null,
      opened_at: null,
      next_probe_in_ms: null,
    };
    expect(rows).toEqual([
      expect.objectContaining({ target: 'anthropic', kind: 'provider', circuit: 'half_open' }),
      expect.objectContaining({
        target: ANTHROPIC_MODEL,
        kind: 'model',
        provider: 'anthropic',
        circuit: 'half_open',
        next_probe_in_ms: 0,
      }),
      {
        target: 'deepseek',
        kind: 'provider',
        provider: 'deepseek',
        failures: 2,
        disabled: null,
        ...closed,
        error_rate_5m: { calls: 0, errors: 0, rate: 0 },
      },
      {
        target: DEEPSEEK_MODEL,
        kind: 'model',
        provider: 'deepseek',
        failures: 2,
        ...closed,
        disabled: {
          reason: 'garbled output since 09:00',
          by: 'ops-ana',
          at: '2026-11-28T09:00:00.000Z',
        },
        error_rate_5m: null,
      },
      {
        target: 'openai',
        kind: 'provider',
        provider: 'openai',
        circuit: 'open',
        failures: 0,
        circuit_reason: 'consecutive_failures',
        opened_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        next_probe_in_ms: expect.any(Number) as unknown,
        disabled: null,
        error_rate_5m: { calls: 4, errors: 1, rate: 0.25 },
      },
      expect.objectContaining({ target: OPENAI_MODEL, circuit: 'open', disabled: null }),
    ]);
    const openai = rows[4] as { next_probe_in_ms: number };
    expect(openai.next_probe_in_ms).toBeGreaterThan(0);
    expect(openai.next_probe_in_ms).toBeLessThanOrEqual(60_000);
  });

  it('should list every provider closed and no model on a fleet with no history', async () => {
    const env = { ...services.env, QUEUE_PREFIX: uniquePrefix('providers-fresh') };
    const result = await runCli(['provider', 'list', '--json'], env);
    expect(result.code).toBe(0);
    expect(
      (JSON.parse(result.out) as { target: string; circuit: string }[]).map(
        ({ target, circuit }) => `${target} ${circuit}`,
      ),
    ).toEqual(['anthropic closed', 'deepseek closed', 'openai closed']);
  });

  it('should fail with one line, password hidden, when Redis is unreachable', async () => {
    const result = await runCli(['provider', 'list', '--json'], {
      REDIS_URL: 'redis://:hunter2@127.0.0.1:1',
      MODELS_AS_OF: TEST_NOW,
    });
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(
      /^Cannot read routing state from Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
  });
});

describe('aiq doctor', () => {
  // Doctor also calls each provider's models list: the mock answers it, as a provider would.
  let mock: MockLlmServer;
  let providers: Record<string, string>;
  beforeAll(async () => {
    mock = await startMockLlm();
    providers = {
      OPENAI_BASE_URL: mock.baseUrls.openai,
      ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
      DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    };
  });
  afterAll(() => mock.close());

  it("should print each provider's circuit and disabled flag, warning without failing", async () => {
    const result = await runCli(['doctor'], {
      ...services.env,
      ...providers,
      OPENAI_API_KEY: 'sk-secret-42',
    });
    expect(result.code).toBe(0);
    const routing = result.out.split('\n').filter((line) => line.includes(' routing: '));
    expect(routing).toEqual([
      'warn  anthropic routing: circuit half_open (consecutive_failures, next probe now), ' +
        'enabled; models: 1 circuit(s) not closed, 0 disabled (aiq provider list)',
      'warn  deepseek routing: circuit closed (2 failures), enabled; ' +
        'models: 0 circuit(s) not closed, 1 disabled (aiq provider list)',
      expect.stringMatching(
        /^warn {2}openai routing: circuit open \(consecutive_failures, next probe in \d+s\), enabled; models: 1 circuit\(s\) not closed, 0 disabled \(aiq provider list\)$/,
      ),
    ]);
    expect(result.out).not.toContain('sk-secret-42');
  });

  it('should pass a provider whose circuits are closed and that nobody disabled', async () => {
    const env = { ...services.env, ...providers, QUEUE_PREFIX: uniquePrefix('providers-fresh') };
    const result = await runCli(['doctor'], env);
    expect(result.out).toContain('ok    openai routing: circuit closed, enabled');
    expect(result.code).toBe(0);
  });
});
