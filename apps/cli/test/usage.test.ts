import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { runCli } from './harness/run-cli.js';
import { seedRequests } from './harness/seed-requests.js';

let services: CliServices;

/**
 * By the database's clock: alice's 3 gpt-5 calls and bob's 2 claude calls within the day,
 * 4 cache hits (cost 0), and one call two days back that only `--since 3d` sees.
 */
beforeAll(async () => {
  services = await openCliServices('usage');
  const call = { status: 'completed', errorCode: null, minutesAgo: 10 } as const;
  await seedRequests(services, {
    ...call,
    count: 3,
    userId: 'alice',
    promptTokens: 100,
    completionTokens: 50,
    costUsd: 0.0125,
  });
  await seedRequests(services, {
    ...call,
    count: 2,
    userId: 'bob',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    promptTokens: 1_000,
    completionTokens: 200,
    costUsd: 0.25,
  });
  await seedRequests(services, {
    ...call,
    count: 4,
    userId: 'alice',
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    cacheHit: true,
  });
  await seedRequests(services, {
    ...call,
    count: 1,
    userId: 'carol',
    minutesAgo: 2 * 24 * 60,
    promptTokens: 7,
    completionTokens: 3,
    costUsd: 1,
  });
});

afterAll(async () => {
  await services.close();
});

interface UsageJson {
  rows: Record<string, unknown>[];
  totals: Record<'providerCalls' | 'cacheHits', Record<string, number>>;
}

async function usage(...argv: string[]): Promise<UsageJson> {
  const result = await runCli(['usage', '--json', ...argv], services.env);
  expect(result).toMatchObject({ code: 0, err: '' });
  return JSON.parse(result.out) as UsageJson;
}

describe('aiq usage', () => {
  it('should sum tokens and cost by model, with cache hits apart', async () => {
    const { rows, totals } = await usage();
    expect(rows).toEqual([
      {
        model: 'claude-sonnet-4-5',
        cache_hit: false,
        requests: 2,
        prompt_tokens: 2_000,
        completion_tokens: 400,
        tokens_used: 2_400,
        cost_usd: 0.5,
      },
      {
        model: 'gpt-5',
        cache_hit: false,
        requests: 3,
        prompt_tokens: 300,
        completion_tokens: 150,
        tokens_used: 450,
        cost_usd: 0.0375,
      },
      {
        model: 'gpt-5',
        cache_hit: true,
        requests: 4,
        prompt_tokens: 0,
        completion_tokens: 0,
        tokens_used: 0,
        cost_usd: 0,
      },
    ]);
    expect(totals).toEqual({
      providerCalls: { requests: 5, tokens_used: 2_850, cost_usd: 0.5375 },
      cacheHits: { requests: 4, tokens_used: 0, cost_usd: 0 },
    });
  });

  it('should group by user and by day, over the window asked for', async () => {
    const byUser = await usage('--by', 'user', '--since', '3d');
    expect(byUser.rows.map((row) => [row['user_id'], row['cache_hit'], row['cost_usd']])).toEqual([
      ['carol', false, 1],
      ['bob', false, 0.5],
      ['alice', false, 0.0375],
      ['alice', true, 0],
    ]);
    const byDay = await usage('--by', 'day', '--since', '3d');
    const days = byDay.rows.filter((row) => row['cache_hit'] === false);
    expect(days.reduce((sum, row) => sum + Number(row['requests']), 0)).toBe(6);
    expect(days.every((row) => /^\d{4}-\d\d-\d\d$/.test(String(row['day'])))).toBe(true);
    expect(byDay.totals.providerCalls).toEqual({
      requests: 6,
      tokens_used: 2_860,
      cost_usd: 1.5375,
    });
  });

  it('should print tables and totals for people, and refuse an unknown grouping', async () => {
    const result = await runCli(['usage'], services.env);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^Provider calls by model:$/m);
    expect(result.out).toMatch(/^gpt-5 +\| 3 +\| 300 +\| 150 +\| 450 +\| 0\.037500 *$/m);
    expect(result.out).toContain('Total: 5 requests, 2850 tokens, $0.537500');
    expect(result.out).toMatch(/^Cache hits by model \(no provider call, cost 0\):$/m);
    expect(result.out).toContain('Total: 4 requests, 0 tokens, $0.000000');

    const bad = await runCli(['usage', '--by', 'provider'], services.env);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/Allowed choices are model, user, day/);
  });
});
