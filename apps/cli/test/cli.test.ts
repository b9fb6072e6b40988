import { verifyApiKey } from '@aiq/auth';
import { createPgliteDatabase } from '@aiq/db';
import { loadConfig } from '@aiq/config';
import { aiRequests } from '@aiq/db';
import { createTestDatabase, startOwnRedisServer, testServices } from '@aiq/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/program.js';

async function run(argv: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const errors: string[] = [];
  let code = -1;
  const program = createProgram(
    { write: (text) => lines.push(text), error: (text) => errors.push(text) },
    (result) => (code = result),
    () => loadConfig(env),
  );
  await program.parseAsync(['node', 'aiq', ...argv]);
  return { code, out: lines.join('\n'), err: errors.join('\n') };
}

describe('aiq doctor', () => {
  it('should pass on a healthy setup and show key lengths, never keys', async () => {
    const { redisUrl } = await testServices();
    const database = await createTestDatabase();
    const env = {
      REDIS_URL: redisUrl,
      DATABASE_URL: database.url,
      OPENAI_API_KEY: 'sk-test-secret-123',
    };
    try {
      const { createPostgresDatabase } = await import('@aiq/db');
      const db = createPostgresDatabase({ url: database.url, poolSize: 1 });
      await db.migrate();
      const { available } = await db.migrationStatus();
      await db.close();
      const result = await run(['doctor'], env);
      expect(result.code).toBe(0);
      expect(result.out).toContain('ok    PostgreSQL at');
      expect(result.out).toContain(`ok    Migrations: ${available} of ${available} applied`);
      expect(result.out).toContain('openai: key set (length 18)');
      expect(result.out).not.toContain('sk-test-secret-123');
    } finally {
      await database.drop();
    }
  });

  it('should fail with the reason on an evicting Redis and pending migrations', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'volatile-lru'] });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-cli-'));
    try {
      const result = await run(['doctor'], { REDIS_URL: redis.url, DATA_DIR: dataDir });
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

      const list = await run(['runbook'], { DATA_DIR: dataDir });
      expect(list.out.split('\n')).toContain('requestFailures');

      const result = await run(['runbook', 'requestFailures'], { DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/status +\| error_code +\| count \| avg_duration/);
      expect(result.out).toMatch(/failed +\| rate_limit_exceeded \| 1 +\| 40/);

      const unknown = await run(['runbook', 'nope'], { DATA_DIR: dataDir });
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

      const created = await run(['keys', 'create', '--user', 'carol', '--role', 'operator'], {
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

      expect((await run(['keys', 'revoke', keyId], { DATA_DIR: dataDir })).out).toBe(
        `Revoked key ${keyId}`,
      );
      expect((await run(['keys', 'revoke', keyId], { DATA_DIR: dataDir })).code).toBe(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
