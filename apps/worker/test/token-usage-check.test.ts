import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createDb, type Database } from '@aiq/db';
import { createMaintenanceQueue, TOKEN_USAGE_JOB_NAME } from '@aiq/queue';
import { createLogger } from '@aiq/logger';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkTokenUsage, HIGH_TOKEN_USAGE_CHANNEL } from '../src/token-usage-check.js';
import { startWorkerHarness, type WorkerHarness } from './harness/worker-harness.js';

const THRESHOLD = 1_000_000;

/** A webhook receiver on a free port that keeps the JSON body of every POST in `posts`. */
async function startWebhook(posts: unknown[]): Promise<Server> {
  const webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      posts.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  webhook.listen(0, '127.0.0.1');
  await once(webhook, 'listening');
  return webhook;
}

describe('the daily token-usage check', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let webhook: Server;
  let webhookUrl: string;
  const posts: unknown[] = [];
  const notifies: string[] = [];
  const logged: string[] = [];
  let stopListening: () => Promise<void>;
  const logger = createLogger(
    { logLevel: 'info' },
    {
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged.push(chunk.toString());
          done();
        },
      }),
    },
  );

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = await createDb({ kind: 'postgres', url: testDatabase.url, poolSize: 2 });
    await database.migrate();
    stopListening = await database.listen(HIGH_TOKEN_USAGE_CHANNEL, (payload) =>
      notifies.push(payload),
    );
    webhook = await startWebhook(posts);
    // A token in the path, as Slack-style webhooks carry one: it must never be logged.
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/s3cr3t-token`;
  });
  afterAll(async () => {
    await stopListening();
    webhook.close();
    await database.close();
    await testDatabase.drop();
  });
  beforeEach(async () => {
    await database.query('DELETE FROM ai_requests');
    posts.length = 0;
    notifies.length = 0;
    logged.length = 0;
  });

  /** Rows placed by the database's clock: `ago` before its `now()`. */
  async function seed(rows: { tokens: number; ago: string }[]) {
    for (const { tokens, ago } of rows) {
      await database.query(
        `INSERT INTO ai_requests (user_id, provider, model, status, tokens_used, created_at)
         VALUES ('user-1', 'openai', 'gpt-5', 'completed', $1, now() - $2::interval)`,
        [tokens, ago],
      );
    }
  }
  const check = () => checkTokenUsage({ database, logger }, { threshold: THRESHOLD, webhookUrl });
  /** Lets a notify sent by the check reach the LISTEN connection. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('should neither notify nor post one token under the threshold, with older rows left out', async () => {
    // The 2 million tokens of two days ago are not the last day's.
    await seed([
      { tokens: 600_000, ago: '1 hour' },
      { tokens: 399_999, ago: '23 hours' },
      { tokens: 2_000_000, ago: '2 days' },
    ]);
    expect(await check()).toEqual({ tokens: 999_999, threshold: THRESHOLD, alerted: false });
    await settle();
    expect(notifies).toEqual([]);
    expect(posts).toEqual([]);
  });

  it('should notify high_token_usage and post the total once at the threshold', async () => {
    await seed([
      { tokens: 600_000, ago: '1 hour' },
      { tokens: 400_000, ago: '23 hours' },
    ]);
    expect(await check()).toEqual({
      tokens: 1_000_000,
      threshold: THRESHOLD,
      alerted: true,
      posted: true,
    });
    await expect.poll(() => notifies).toEqual(['1000000']);
    expect(posts).toEqual([{ alert: 'high_token_usage', tokens: 1_000_000, threshold: THRESHOLD }]);
    await settle();
    expect(notifies).toHaveLength(1);
  });

  it('should notify over the threshold and log a failed post without its URL, not fail', async () => {
    await seed([{ tokens: 2_500_000, ago: '5 minutes' }]);
    // Nothing listens on port 1: the post is refused.
    const report = await checkTokenUsage(
      { database, logger },
      { threshold: THRESHOLD, webhookUrl: 'http://127.0.0.1:1/hooks/s3cr3t-token' },
    );
    expect(report).toMatchObject({ tokens: 2_500_000, alerted: true, posted: false });
    await expect.poll(() => notifies).toEqual(['2500000']);
    const lines = logged.join('');
    expect(lines).toContain('could not post the token-usage alert');
    expect(lines).not.toContain('s3cr3t-token');
  });
});

describe('the token-usage job scheduler entry', () => {
  let harness: WorkerHarness;
  let webhook: Server;
  const posts: unknown[] = [];
  const notifies: string[] = [];
  let stopListening: () => Promise<void>;

  beforeAll(async () => {
    webhook = await startWebhook(posts);
    const { port } = webhook.address() as AddressInfo;
    // The schedule every 300 ms instead of a day, and a small threshold, so the test need not
    // seed a million tokens.
    harness = await startWorkerHarness({
      env: {
        TOKEN_USAGE_CHECK_INTERVAL_MS: '300',
        TOKEN_USAGE_DAILY_THRESHOLD: '1000',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      },
    });
    stopListening = await harness.database.listen(HIGH_TOKEN_USAGE_CHANNEL, (payload) =>
      notifies.push(payload),
    );
  });
  afterAll(async () => {
    await stopListening();
    await harness.close();
    webhook.close();
  });

  it('should run the check on the maintenance queue and alert once usage reaches the threshold', async () => {
    const maintenance = createMaintenanceQueue(harness.redis, harness.config.redis.prefix);
    try {
      await expect
        .poll(() => maintenance.getJobScheduler(TOKEN_USAGE_JOB_NAME))
        .toMatchObject({ every: 300 });
      // Runs under the threshold: done, and nothing sent.
      const checked = async () =>
        (await maintenance.getCompleted()).filter((job) => job.name === TOKEN_USAGE_JOB_NAME);
      await expect
        .poll(async () => (await checked()).length, { timeout: 10_000 })
        .toBeGreaterThan(1);
      expect((await checked())[0]?.returnvalue).toEqual({
        tokens: 0,
        threshold: 1_000,
        alerted: false,
      });
      expect(notifies).toEqual([]);
      expect(posts).toEqual([]);

      await harness.database.query(
        `INSERT INTO ai_requests (user_id, provider, model, status, tokens_used, created_at)
         VALUES ('user-1', 'openai', 'gpt-5', 'completed', 1000, now() - interval '1 hour')`,
      );
      await expect
        .poll(() => posts[0], { timeout: 10_000 })
        .toEqual({
          alert: 'high_token_usage',
          tokens: 1_000,
          threshold: 1_000,
        });
      await expect.poll(() => notifies[0]).toBe('1000');
    } finally {
      await maintenance.close();
    }
  }, 30_000);
});
