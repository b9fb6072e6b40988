import { disableTarget, enableTarget } from '@aiq/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { runCli } from './harness/run-cli.js';
import { seedRequests } from './harness/seed-requests.js';

let services: CliServices;
let env: Record<string, string>;

beforeAll(async () => {
  services = await openCliServices('status');
  env = { ...services.env, LOST_VALUE_PER_FAILED_REQUEST_USD: '0.25' };
});

afterAll(async () => {
  await services.close();
});

interface StatusJson {
  severity: { severity: string; reason: string; errorsPerMinute: number; providersDown: string[] };
  impact: Record<string, number | null>;
  errors: Record<string, unknown>[];
  hourly: Record<string, unknown>[];
  queues: { queue: string; waiting: number; delayed: number }[];
  deadLetter: number;
}

async function statusJson(...argv: string[]): Promise<StatusJson> {
  const result = await runCli(['status', '--json', ...argv], env);
  expect(result).toMatchObject({ code: 0, err: '' });
  return JSON.parse(result.out) as StatusJson;
}

const severityOf = async () => (await statusJson()).severity;

describe('aiq status', () => {
  it("should climb the runbook's severity table as errors per minute and providers down grow", async () => {
    expect(await severityOf()).toMatchObject({ severity: 'ok', errorsPerMinute: 0 });

    // 100 errors half an hour ago: in the window's tables, not in the last five minutes' rate.
    await seedRequests(services, { count: 100, status: 'failed', minutesAgo: 30 });
    // 3 errors in the last five minutes: 0.6 a minute.
    await seedRequests(services, { count: 2, status: 'failed', minutesAgo: 1 });
    await seedRequests(services, {
      count: 1,
      status: 'timeout',
      errorCode: 'timeout',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      minutesAgo: 2,
    });
    expect(await severityOf()).toMatchObject({
      severity: 'P3',
      errorsPerMinute: 0.6,
      reason: '0.6 errors/min < 5, 1 timeouts',
    });

    await seedRequests(services, { count: 22, status: 'failed', minutesAgo: 3 }); // 25: 5/min
    expect(await severityOf()).toMatchObject({ severity: 'P2', reason: '5 errors/min ≥ 5' });

    const { redis, prefix } = services;
    const flag = { reason: 'outage', actor: 'ops', at: 0 };
    await disableTarget(redis, prefix, 'openai', flag);
    expect(await severityOf()).toMatchObject({
      severity: 'P1',
      reason: '1 of 3 providers down',
      providersDown: ['openai'],
    });
    await disableTarget(redis, prefix, 'anthropic', flag);
    await disableTarget(redis, prefix, 'deepseek', flag);
    expect(await severityOf()).toMatchObject({
      severity: 'P0',
      reason: 'all providers down (3 of 3 providers down)',
    });
    for (const provider of ['openai', 'anthropic', 'deepseek']) {
      await enableTarget(redis, prefix, provider);
    }

    await seedRequests(services, { count: 25, status: 'failed', minutesAgo: 4 }); // 50: 10/min
    expect(await severityOf()).toMatchObject({ severity: 'P1', reason: '10 errors/min ≥ 10' });
    await seedRequests(services, { count: 200, status: 'failed', minutesAgo: 1 }); // 250: 50/min
    expect(await severityOf()).toMatchObject({ severity: 'P1', reason: '50 errors/min ≥ 10' });
    await seedRequests(services, { count: 1, status: 'failed', minutesAgo: 1 }); // 251: 50.2/min
    expect(await severityOf()).toMatchObject({ severity: 'P0', reason: '50.2 errors/min > 50' });
  });

  it("should report the runbook's numbers, the same as `aiq runbook` prints them", async () => {
    await seedRequests(services, {
      count: 10,
      status: 'completed',
      errorCode: null,
      minutesAgo: 10,
      durationMs: 1_000,
    });
    // Outside the hour: neither command counts it.
    await seedRequests(services, { count: 5, status: 'failed', minutesAgo: 90 });
    await services.queues['generate-openai'].add('seeded', {});
    await services.queues['generate-openai'].add('seeded', {}, { delay: 3_600_000 });
    await services.queues['dead-letter'].add('seeded', {});

    const report = await statusJson('--since', '1h');
    const impact = await runCli(['runbook', 'businessImpact', '--json'], env);
    const [runbookImpact] = JSON.parse(impact.out) as Record<string, string | number>[];
    expect(report.impact).toMatchObject({
      failedRequests: Number(runbookImpact?.['failed_requests']),
      affectedUsers: Number(runbookImpact?.['affected_users']),
    });
    // 100 + 2 + 22 + 25 + 200 + 1 failed, 1 timeout, 10 completed; each failure its own user.
    expect(report.impact).toMatchObject({
      totalRequests: 361,
      failedRequests: 350,
      timeouts: 1,
      affectedUsers: 350,
      successRate: 2.77,
      timeoutRate: 0.28,
      lostValuePerFailedRequestUsd: 0.25,
      estimatedLostValueUsd: 87.5,
    });
    expect(report.errors).toEqual([
      expect.objectContaining({
        provider: 'openai',
        model: 'gpt-5',
        status: 'failed',
        error_code: 'server_error',
        count: 350,
      }),
      expect.objectContaining({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        error_code: 'timeout',
        count: 1,
      }),
    ]);
    const hourlyTotal = report.hourly.reduce((sum, row) => sum + Number(row['total_requests']), 0);
    expect(hourlyTotal).toBe(361);
    expect(report.queues).toContainEqual(
      expect.objectContaining({ queue: 'generate-openai', waiting: 1, delayed: 1 }),
    );
    expect(report.deadLetter).toBe(1);

    const human = await runCli(['status'], env);
    expect(human).toMatchObject({ code: 0, err: '' });
    expect(human.out).toContain('Severity P0: 50.2 errors/min > 50');
    expect(human.out).toContain(
      'Impact: 350 failed requests, 350 affected users, estimated lost value $87.50 ($0.25 per failed request)',
    );
    expect(human.out).toMatch(/^Last 1h: 361 requests, .*timeouts 1 \(0\.28%\)/m);
    expect(human.out).toMatch(/^openai +\| gpt-5 +\| failed +\| server_error \| 350 +\|/m);
    expect(human.out).toMatch(/^generate-openai +\| 1 +\| 0 +\| 1 +\| 0 +$/m);
    expect(human.out).toContain('Queues (dead-letter entries: 1):');
    expect(human.out).toMatch(/^deepseek +\| closed +\| 0 +\| no +$/m);
    expect(human.out).not.toContain('\u001B'); // no colour, no screen clearing off a terminal
  });

  it('should redraw with --watch until its frames are done, and refuse a bad window', async () => {
    const watched = await runCli(
      ['status', '--watch', '--interval', '1s', '--iterations', '2'],
      env,
    );
    expect(watched.code).toBe(0);
    expect(watched.out.match(/^aiq status, \d{4}-\d\d-\d\dT/gm)).toHaveLength(2);
    const json = await runCli(
      ['status', '--json', '--watch', '--interval', '1s', '--iterations', '2'],
      env,
    );
    expect(json.out.split('\n').map((line) => JSON.parse(line) as StatusJson)).toHaveLength(2);

    const bad = await runCli(['status', '--since', 'yesterday'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--since <duration>.*expected a number and a unit/);
  });

  it('should exit 1 with one line when Redis cannot be reached', async () => {
    const result = await runCli(['status'], { ...env, REDIS_URL: 'redis://:secret@127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /);
  });
});
