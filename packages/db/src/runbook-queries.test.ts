import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { runbookQueries } from './runbook-queries.js';
import { aiRequests, backgroundTasks } from './schema.js';
import { drivers } from './testing-databases.test-helper.js';

/**
 * The runbook's SQL reads the database's clock (`NOW()`), so the rows are placed by that clock,
 * read once per database, not by this process's: a test machine whose clock differs from the
 * database's (or a faked one) sees the same windows.
 */
let databaseNow = Number.NaN;
const minutesAgo = (minutes: number) => new Date(databaseNow - minutes * 60_000);

/** A bucket three hours back, so the percentile rows all share one hour. */
function inBucketThreeHoursAgo(minute: number): Date {
  const hour = new Date(databaseNow);
  hour.setUTCMinutes(0, 0, 0);
  return new Date(hour.getTime() - 3 * 3_600_000 + minute * 60_000);
}

type Request = typeof aiRequests.$inferInsert;
const request = (row: Partial<Request> & Pick<Request, 'status' | 'createdAt'>): Request => ({
  userId: 'user-1',
  provider: 'openai',
  model: 'gpt-5',
  ...row,
});

async function seed(database: Database): Promise<void> {
  await database.db.insert(aiRequests).values([
    // Last hour: 3 completed, 3 failed (two rate limits, one token limit), 1 timeout.
    request({ status: 'completed', durationMs: 100, tokensUsed: 50, createdAt: minutesAgo(5) }),
    request({ status: 'completed', durationMs: 200, tokensUsed: 50, createdAt: minutesAgo(6) }),
    request({ status: 'completed', durationMs: 300, tokensUsed: 50, createdAt: minutesAgo(7) }),
    request({
      status: 'failed',
      errorCode: 'rate_limit_exceeded',
      durationMs: 10,
      userId: 'user-1',
      createdAt: minutesAgo(8),
    }),
    request({
      status: 'failed',
      errorCode: 'rate_limit_exceeded',
      durationMs: 30,
      userId: 'user-2',
      createdAt: minutesAgo(9),
    }),
    request({
      status: 'failed',
      errorCode: 'max_tokens_exceeded',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      prompt: 'x'.repeat(1200),
      response: 'partial',
      tokensUsed: 900,
      userId: 'user-3',
      createdAt: minutesAgo(10),
    }),
    request({
      status: 'timeout',
      errorCode: 'timeout',
      durationMs: 60_000,
      createdAt: minutesAgo(11),
    }),
    // Older than an hour: only the 24-hour queries see these.
    request({ status: 'failed', errorCode: 'max_tokens_exceeded', createdAt: minutesAgo(120) }),
    ...Array.from({ length: 20 }, (_, index) =>
      request({
        status: 'completed',
        durationMs: index + 1,
        createdAt: inBucketThreeHoursAgo(index + 1),
      }),
    ),
    // Older than a day: no query sees it.
    request({
      status: 'failed',
      errorCode: 'rate_limit_exceeded',
      tokensUsed: 5_000_000,
      createdAt: minutesAgo(60 * 30),
    }),
  ]);
  await database.db.insert(backgroundTasks).values([
    {
      userId: 'user-1',
      type: 'ai_generation',
      status: 'failed',
      input: {},
      errorMessage: 'boom',
      retryCount: 0,
      createdAt: minutesAgo(10),
    },
    {
      userId: 'user-1',
      type: 'ai_generation',
      status: 'failed',
      input: {},
      errorMessage: 'again',
      retryCount: 3,
      createdAt: minutesAgo(15),
    },
    {
      userId: 'user-2',
      type: 'ai_analyze_document',
      status: 'timeout',
      input: {},
      errorMessage: 'deadline',
      createdAt: minutesAgo(20),
    },
    {
      userId: 'user-2',
      type: 'ai_generation',
      status: 'failed',
      input: {},
      errorMessage: 'old',
      createdAt: minutesAgo(90),
    },
    {
      userId: 'user-2',
      type: 'webhook_delivery',
      status: 'failed',
      input: {},
      errorMessage: 'not an AI task',
      createdAt: minutesAgo(11),
    },
    {
      userId: 'user-3',
      type: 'ai_generation',
      status: 'completed',
      input: {},
      createdAt: minutesAgo(12),
    },
    {
      userId: 'user-3',
      type: 'ai_generation',
      status: 'failed',
      input: {},
      errorMessage: 'too old',
      createdAt: minutesAgo(60 * 30),
    },
  ]);
}

describe.each(drivers)('runbook SQL on $kind', (driver) => {
  let database: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ database, dispose } = await driver.open());
    await database.migrate();
    const [clock] = await database.query<{ now: string | Date }>('SELECT now() AS now');
    databaseNow = new Date(clock?.now ?? Number.NaN).getTime();
    await seed(database);
  });
  afterAll(() => dispose());

  it('should count failures by status and error code over the last hour', async () => {
    const rows = await database.query<{
      status: string;
      error_code: string | null;
      count: string | number;
      avg_duration: string;
    }>(runbookQueries.requestFailures);
    const byKey = Object.fromEntries(rows.map((row) => [`${row.status}/${row.error_code}`, row]));
    expect(rows).toHaveLength(4);
    expect(Number(rows[0]?.count)).toBe(3); // ORDER BY count DESC
    expect(Number(byKey['completed/null']?.avg_duration)).toBe(200);
    expect(Number(byKey['failed/rate_limit_exceeded']?.count)).toBe(2);
    expect(Number(byKey['failed/rate_limit_exceeded']?.avg_duration)).toBe(20);
    expect(Number(byKey['timeout/timeout']?.count)).toBe(1);
  });

  it('should estimate lost value and affected users for the last hour', async () => {
    const [row] = await database.query<Record<string, string | number>>(
      runbookQueries.businessImpact,
    );
    expect(Number(row?.['failed_requests'])).toBe(3);
    expect(Number(row?.['estimated_lost_revenue_usd'])).toBeCloseTo(0.3);
    expect(Number(row?.['affected_users'])).toBe(3);
  });

  it('should list recent token-limit failures with prompt and response sizes', async () => {
    const rows = await database.query<Record<string, unknown>>(runbookQueries.requestSize);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'claude-sonnet-4-5', tokens_used: 900 });
    expect(Number(rows[0]?.['prompt_length'])).toBe(1200);
    expect(Number(rows[0]?.['response_length'])).toBe(7);
  });

  it('should show the failure pattern by model', async () => {
    const rows = await database.query<Record<string, unknown>>(runbookQueries.failurePattern);
    const claude = rows.find((row) => row['model'] === 'claude-sonnet-4-5');
    expect(rows).toHaveLength(4);
    expect(claude).toMatchObject({ status: 'failed', error_code: 'max_tokens_exceeded' });
    expect(Number(claude?.['count'])).toBe(1);
    expect(new Date(claude?.['first_seen'] as string).getTime()).toBeLessThanOrEqual(databaseNow);
  });

  it('should run the connection check', async () => {
    const [row] = await database.query<Record<string, unknown>>(runbookQueries.databaseConnections);
    // No aiq connection is named like the runbook's Supabase one.
    expect(Number(row?.['active_connections'])).toBe(0);
  });

  it('should list failed and timed-out AI tasks of the last day, newest first', async () => {
    const rows = await database.query<Record<string, unknown>>(
      runbookQueries.failedBackgroundTasks,
    );
    expect(rows.map((row) => row['error_message'])).toEqual(['boom', 'again', 'deadline', 'old']);
  });

  it('should compute the hourly success rate and p95 latency', async () => {
    const rows = await database.query<Record<string, unknown>>(runbookQueries.hourlySuccessRate);
    const total = rows.reduce((sum, row) => sum + Number(row['total_requests']), 0);
    expect(total).toBe(28);
    const bucket = rows.find((row) => Number(row['total_requests']) === 20);
    expect(Number(bucket?.['success_rate'])).toBe(100);
    expect(Number(bucket?.['avg_duration_ms'])).toBe(10.5);
    expect(Number(bucket?.['p95_duration_ms'])).toBeCloseTo(19.05);
    // ORDER BY hour DESC
    const hours = rows.map((row) => new Date(row['hour'] as string).getTime());
    expect([...hours].sort((a, b) => b - a)).toEqual(hours);
  });

  it('should mark recent failed tasks under three retries as pending (bulk retry)', async () => {
    await database.query(runbookQueries.bulkRetry);
    const rows = await database.query<Record<string, unknown>>(
      'SELECT type, status, retry_count, error_message FROM background_tasks ORDER BY created_at DESC',
    );
    expect(rows).toEqual([
      { type: 'ai_generation', status: 'pending', retry_count: 1, error_message: null },
      // The runbook's UPDATE has no type filter: every recent failure is retried.
      { type: 'webhook_delivery', status: 'pending', retry_count: 1, error_message: null },
      { type: 'ai_generation', status: 'completed', retry_count: 0, error_message: null },
      { type: 'ai_generation', status: 'failed', retry_count: 3, error_message: 'again' },
      { type: 'ai_analyze_document', status: 'timeout', retry_count: 0, error_message: 'deadline' },
      { type: 'ai_generation', status: 'failed', retry_count: 0, error_message: 'old' },
      { type: 'ai_generation', status: 'failed', retry_count: 0, error_message: 'too old' },
    ]);
  });

  it('should notify high_token_usage when the last day passes one million tokens', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen('high_token_usage', (payload) => payloads.push(payload));
    await database.query(runbookQueries.checkTokenUsage);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(payloads).toEqual([]); // 1,050 tokens in the last day: below the threshold
    await database.db
      .insert(aiRequests)
      .values(request({ status: 'completed', tokensUsed: 1_000_000, createdAt: minutesAgo(1) }));
    await database.query(runbookQueries.checkTokenUsage);
    await expect.poll(() => payloads, { timeout: 5_000 }).toEqual(['1001050']);
    await unlisten();
  });
});
