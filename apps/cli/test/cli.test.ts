import { verifyApiKey } from '@aiq/auth';
import { createPgliteDatabase, createPostgresDatabase } from '@aiq/db';
import { aiRequests } from '@aiq/db';
import { closeQueues, createQueues } from '@aiq/queue';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  startOwnRedisServer,
  TEST_NOW,
  testServices,
  uniquePrefix,
} from '@aiq/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './harness/run-cli.js';

describe('aiq doctor', () => {
  // The healthy run (keys, reachability through the mock LLM, end of life) is in doctor.test.ts.
  it('should fail with the reason on an evicting Redis and pending migrations', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'volatile-lru'] });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-cli-'));
    try {
      const result = await runCli(['doctor'], { REDIS_URL: redis.url, DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/FAIL {2}Redis maxmemory-policy is "volatile-lru"/);
      expect(result.out).toMatch(/FAIL {2}Migrations: [1-9]\d* pending; run `pnpm db:migrate`/);
    } finally {
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('aiq runbook', () => {
  it('should list the queries, run one by name and refuse an unknown one', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-cli-'));
    try {
      const database = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite') });
      await database.migrate();
      await database.db.insert(aiRequests).values({
        userId: 'u1',
        provider: 'openai',
        model: 'gpt-5',
        status: 'failed',
        errorCode: 'rate_limit_exceeded',
        durationMs: 40,
      });
      await database.close();

      const list = await runCli(['runbook'], { DATA_DIR: dataDir });
      expect(list.out.split('\n')).toContain('requestFailures');
      const listJson = await runCli(['runbook', '--json'], { DATA_DIR: dataDir });
      expect(JSON.parse(listJson.out)).toContain('businessImpact');

      const result = await runCli(['runbook', 'requestFailures'], { DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/status +\| error_code +\| count \| avg_duration/);
      expect(result.out).toMatch(/failed +\| rate_limit_exceeded \| 1 +\| 40/);

      const unknown = await runCli(['runbook', 'nope'], { DATA_DIR: dataDir });
      expect(unknown.code).toBe(2);
      expect(unknown.err).toMatch(/Unknown runbook query "nope"/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('aiq keys', () => {
  it('should print a new key once, store only its hash, and revoke it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-cli-'));
    try {
      const setup = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite') });
      await setup.migrate();
      await setup.close();

      const created = await runCli(['keys', 'create', '--user', 'carol', '--role', 'operator'], {
        DATA_DIR: dataDir,
      });
      expect(created.code).toBe(0);
      expect(created.out).toMatch(/^aiq_[A-Za-z0-9_-]{43}$/);
      expect(created.err).toMatch(
        /Created operator key [0-9a-f-]{36} \(aiq_.{8}…\) for user carol\. It is shown only this once/,
      );
      const keyId = /key ([0-9a-f-]{36})/.exec(created.err)?.[1] ?? '';

      const database = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite') });
      const principal = await verifyApiKey(database, created.out);
      const stored = JSON.stringify(await database.query('SELECT * FROM api_keys'));
      await database.close();
      expect(principal).toEqual({ userId: 'carol', role: 'operator', keyId });
      expect(stored).not.toContain(created.out);

      expect((await runCli(['keys', 'revoke', keyId], { DATA_DIR: dataDir })).out).toBe(
        `Revoked key ${keyId}`,
      );
      expect((await runCli(['keys', 'revoke', keyId], { DATA_DIR: dataDir })).code).toBe(1);
      const again = await runCli(['keys', 'revoke', keyId, '--json'], { DATA_DIR: dataDir });
      expect(again.code).toBe(1);
      expect(JSON.parse(again.out)).toEqual({ keyId, revoked: false });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('aiq tasks', () => {
  it('should submit through the producer, show the task, cancel it once and refuse bad input', async () => {
    const { redisUrl } = await testServices();
    const database = await createTestDatabase();
    const prefix = uniquePrefix('cli');
    const env = {
      REDIS_URL: redisUrl,
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      MODELS_AS_OF: TEST_NOW,
    };
    const redis = await connectTestRedis();
    const queues = createQueues(redis, prefix);
    try {
      const migrator = createPostgresDatabase({ url: database.url, poolSize: 1 });
      await migrator.migrate();
      await migrator.close();

      const submitted = await runCli(
        ['tasks', 'submit', '--user', 'ops-1', '--model', 'gpt-5', '--prompt', 'Hello', '--json'],
        env,
      );
      expect(submitted.code).toBe(0);
      const { taskId, queue } = JSON.parse(submitted.out) as { taskId: string; queue: string };
      expect(queue).toBe('generate-openai');
      // No worker runs here: the job waits in the provider queue, with job id = task id.
      expect(await queues['generate-openai'].getJob(taskId)).toMatchObject({
        id: taskId,
        data: { taskId, userId: 'ops-1', model: 'gpt-5' },
      });

      const shown = await runCli(['tasks', 'show', taskId], env);
      expect(shown.code).toBe(0);
      expect(shown.out).toMatch(/ai_generation \| pending/);
      expect(shown.out).toContain('Attempts:\n(0 rows)');

      expect(await runCli(['tasks', 'cancel', taskId], env)).toMatchObject({
        code: 0,
        out: `Cancelled task ${taskId}`,
      });
      expect(await queues['generate-openai'].getJob(taskId)).toBeUndefined();
      const again = await runCli(['tasks', 'cancel', taskId], env);
      expect(again.code).toBe(1);
      expect(again.err).toContain('nothing to cancel');
      const againJson = await runCli(['tasks', 'cancel', taskId, '--json'], env);
      expect(againJson.code).toBe(1);
      expect(JSON.parse(againJson.out)).toEqual({ taskId, cancelled: false });
      const json = await runCli(['tasks', 'show', taskId, '--json'], env);
      expect(JSON.parse(json.out)).toMatchObject({
        task: { id: taskId, status: 'cancelled', error_message: 'cancelled by an operator' },
        attempts: [],
      });

      const background = await runCli(
        [
          'tasks',
          'submit',
          '--user',
          'ops-1',
          '--type',
          'ai_analyze_document',
          '--input',
          '{"model":"deepseek-chat","document":"A long text."}',
        ],
        env,
      );
      expect(background).toMatchObject({ code: 0 });
      expect(background.err).toMatch(/Submitted ai_analyze_document task .* to background-task/);

      const unknown = await runCli(['tasks', 'submit', '--user', 'u', '--type', 'cooking'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toMatch(/Unknown task type "cooking"/);
      const badInput = await runCli(
        [
          'tasks',
          'submit',
          '--user',
          'u',
          '--type',
          'ai_analyze_document',
          '--input',
          '{"model":1}',
        ],
        env,
      );
      expect(badInput.code).toBe(1);
      expect(badInput.err).toMatch(/^invalid input: model /);
      const notJson = await runCli(
        ['tasks', 'submit', '--user', 'u', '--type', 'ai_analyze_document', '--input', '{'],
        env,
      );
      expect(notJson).toMatchObject({ code: 2, err: '--input is not valid JSON' });
      expect(
        await runCli(['tasks', 'submit', '--user', 'u', '--model', 'gpt-5'], env),
      ).toMatchObject({
        code: 2,
      });
      expect(
        await runCli(['tasks', 'show', '00000000-0000-0000-0000-000000000000'], env),
      ).toMatchObject({
        code: 1,
      });
      // The token check the API applies, before anything is written.
      const tooLong = await runCli(
        [
          'tasks',
          'submit',
          '--user',
          'u',
          '--model',
          'deepseek-chat',
          '--prompt',
          'word '.repeat(70_000),
        ],
        env,
      );
      expect(tooLong.code).toBe(1);
      expect(tooLong.err).toMatch(
        /^deepseek-chat: prompt \d+ \+ max output 1024 tokens exceeds the context window of 64000$/,
      );
      // After claude-sonnet-4-5's end of life (2026-11-30), with RETIRED_MODELS=refuse.
      const refusing = { ...env, MODELS_AS_OF: '2026-12-02', RETIRED_MODELS: 'refuse' };
      const retired = ['tasks', 'submit', '--user', 'u', '--model', 'claude-sonnet-4.5'];
      expect(await runCli([...retired, '--prompt', 'Hi'], refusing)).toMatchObject({
        code: 1,
        err: 'Model claude-sonnet-4-5 reached its end of life on 2026-11-30; use claude-sonnet-5-5 instead',
      });
    } finally {
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      await redis.quit();
      await database.drop();
    }
  });
});
