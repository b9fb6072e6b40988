import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { runbookQueries } from './runbook-queries.js';
import { aiRequests } from './schema.js';
import { statusQueries } from './status-queries.js';
import { drivers } from './testing-databases.test-helper.js';

const HOUR = 3_600;
const DAY = 86_400;

/** Rows placed by the database's clock, as the queries read it (see runbook-queries.test.ts). */
async function seed(database: Database): Promise<void> {
  const [clock] = await database.query<{ now: string | Date }>('SELECT now() AS now');
  const now = new Date(clock?.now ?? Number.NaN).getTime();
  const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000);
  const base = { provider: 'openai', model: 'gpt-5' } as const;
  await database.db.insert(aiRequests).values([
    { ...base, userId: 'a', status: 'completed', durationMs: 100, createdAt: minutesAgo(2) },
    { ...base, userId: 'a', status: 'completed', durationMs: 300, createdAt: minutesAgo(20) },
    {
      ...base,
      userId: 'a',
      status: 'completed',
      cacheHit: true,
      costUsd: '0',
      createdAt: minutesAgo(3),
    },
    {
      ...base,
      userId: 'b',
      status: 'failed',
      errorCode: 'server_error',
      promptTokens: 10,
      completionTokens: 0,
      tokensUsed: 10,
      costUsd: '0.000125',
      createdAt: minutesAgo(1),
    },
    {
      ...base,
      userId: 'c',
      status: 'failed',
      errorCode: 'server_error',
      createdAt: minutesAgo(40),
    },
    {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      userId: 'c',
      status: 'timeout',
      errorCode: 'timeout',
      durationMs: 60_000,
      createdAt: minutesAgo(4),
    },
    // Outside the hour, inside the day.
    { ...base, userId: 'd', status: 'failed', errorCode: 'auth', createdAt: minutesAgo(180) },
  ]);
}

describe.each(drivers)('status SQL on $kind', (driver) => {
  let database: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ database, dispose } = await driver.open());
    await database.migrate();
    await seed(database);
  });
  afterAll(() => dispose());

  it("should agree with the runbook's business impact and failure pattern over one hour", async () => {
    const [impact] = await database.query<Record<string, unknown>>(runbookQueries.businessImpact);
    const [summary] = await database.query<Record<string, unknown>>(statusQueries.summary, [
      HOUR,
      300,
    ]);
    expect(summary).toMatchObject({
      total_requests: 6,
      successful: 3,
      failed_requests: Number(impact?.['failed_requests']),
      affected_users: Number(impact?.['affected_users']),
      timeouts: 1,
      recent_errors: 2, // the failure a minute ago and the timeout four minutes ago
    });
    expect(summary?.['failed_requests']).toBe(2);

    const pattern = await database.query<Record<string, unknown>>(runbookQueries.failurePattern);
    const errors = await database.query<Record<string, unknown>>(statusQueries.errorsByTarget, [
      HOUR,
    ]);
    const key = (row: Record<string, unknown>) =>
      `${String(row['model'])}/${String(row['status'])}/${String(row['error_code'])}=${Number(row['count'])}`;
    expect(errors.map(key).sort()).toEqual(
      pattern
        .filter((row) => row['status'] !== 'completed')
        .map(key)
        .sort(),
    );
    expect(errors[0]).toMatchObject({ provider: 'openai', error_code: 'server_error', count: 2 });
  });

  it('should widen with the window, and give the hourly rate the runbook gives for 24 h', async () => {
    const [day] = await database.query<Record<string, unknown>>(statusQueries.summary, [DAY, 300]);
    expect(day).toMatchObject({ total_requests: 7, failed_requests: 3 });

    const hourly = await database.query<Record<string, unknown>>(statusQueries.hourlySuccessRate, [
      DAY,
    ]);
    const runbook = await database.query<Record<string, unknown>>(runbookQueries.hourlySuccessRate);
    const totals = (rows: Record<string, unknown>[]) =>
      rows.map((row) => [Number(row['total_requests']), Number(row['success_rate'])]);
    expect(totals(hourly)).toEqual(totals(runbook));
  });

  it('should sum usage with cache hits apart', async () => {
    const rows = await database.query<Record<string, unknown>>(statusQueries.usageByModel, [HOUR]);
    expect(rows).toContainEqual(
      expect.objectContaining({ model: 'gpt-5', cache_hit: true, requests: 1, cost_usd: 0 }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({
        model: 'gpt-5',
        cache_hit: false,
        requests: 4,
        tokens_used: 10,
        cost_usd: 0.000125,
      }),
    );
    const inUse = await database.query<{ model: string }>(statusQueries.modelsInUse, [HOUR]);
    expect(inUse.map((row) => row.model)).toEqual(['claude-sonnet-4-5', 'gpt-5']);
  });
});
