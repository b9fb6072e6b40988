import { createPgliteDatabase, createPostgresDatabase, type Database } from '@aiq/db';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js';
import { createApiKey, ensureApiKey, revokeApiKey, verifyApiKey } from './api-key-store.js';
import { KEY_CHANGES_CHECK_MS } from './key-cache.js';

describe('API keys', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(() => database.close());

  it('should generate recognisable 256-bit keys', () => {
    const first = generateApiKey();
    const second = generateApiKey();
    expect(first.key).toMatch(/^aiq_[A-Za-z0-9_-]{43}$/);
    expect(first.key).not.toBe(second.key);
    expect(first.keyHash).toBe(hashApiKey(first.key));
    expect(first.keyPrefix).toBe(first.key.slice(0, 12));
    expect(looksLikeApiKey(first.key)).toBe(true);
  });

  it('should store only the hash and verify the key to its user and role', async () => {
    const created = await createApiKey(database, { userId: 'alice', role: 'operator' });
    const stored = await database.query<{ key_hash: string; key_prefix: string }>(
      'SELECT key_hash, key_prefix FROM api_keys WHERE id = $1',
      [created.keyId],
    );
    expect(stored).toEqual([{ key_hash: hashApiKey(created.key), key_prefix: created.keyPrefix }]);
    expect(JSON.stringify(await database.query('SELECT * FROM api_keys'))).not.toContain(
      created.key,
    );
    expect(await verifyApiKey(database, created.key)).toEqual({
      userId: 'alice',
      role: 'operator',
      keyId: created.keyId,
    });
  });

  it('should refuse unknown, malformed and revoked keys', async () => {
    expect(await verifyApiKey(database, generateApiKey().key)).toBeUndefined();
    expect(await verifyApiKey(database, 'Bearer nonsense')).toBeUndefined();
    const created = await createApiKey(database, { userId: 'bob' });
    expect(await revokeApiKey(database, created.keyId)).toBe(true);
    expect(await revokeApiKey(database, created.keyId)).toBe(false);
    expect(await verifyApiKey(database, created.key)).toBeUndefined();
  });

  it('should insert a known key once', async () => {
    const { key } = generateApiKey();
    await ensureApiKey(database, { key, userId: 'dev', role: 'operator' });
    await ensureApiKey(database, { key, userId: 'dev', role: 'operator' });
    const rows = await database.query('SELECT id FROM api_keys WHERE user_id = $1', ['dev']);
    expect(rows).toHaveLength(1);
    expect(await verifyApiKey(database, key)).toMatchObject({
      userId: 'dev',
      role: 'operator',
    });
  });
});

/** The database with its `db.select` calls counted: each is one query to Postgres. */
function countingSelects(database: Database): { database: Database; selects: () => number } {
  let selects = 0;
  const db = new Proxy(database.db, {
    get(target, property, receiver) {
      if (property === 'select') selects += 1;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { database: { ...database, db }, selects: () => selects };
}

describe('API keys on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let postgres: Database;
  /** A second handle on the same database: another API process, or the CLI. */
  let otherProcess: Database;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    postgres = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
    otherProcess = createPostgresDatabase({ url: testDatabase.url, poolSize: 1 });
    await postgres.migrate();
  });
  afterAll(async () => {
    await Promise.all([postgres.close(), otherProcess.close()]);
    await testDatabase.drop();
  });

  it('should look a key up once, not on every request, known or unknown', async () => {
    const { database, selects } = countingSelects(postgres);
    const unknown = generateApiKey().key;
    const created = await createApiKey(database, { userId: 'carol' });
    // One clock reading for the whole test: the check for key changes is made once.
    const now = 1_000_000;
    for (let index = 0; index < 5; index += 1) {
      expect(await verifyApiKey(database, unknown, now)).toBeUndefined();
      expect(await verifyApiKey(database, created.key, now)).toMatchObject({ userId: 'carol' });
    }
    // The check for key changes, then one lookup per key.
    expect(selects()).toBe(3);
  });

  it('should ask whether keys changed at most once a second, whatever the load', async () => {
    const { database, selects } = countingSelects(postgres);
    const created = await createApiKey(database, { userId: 'erin' });
    const start = 2_000_000;
    await verifyApiKey(database, created.key, start);
    const before = selects();
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        verifyApiKey(database, created.key, start + KEY_CHANGES_CHECK_MS + index),
      ),
    );
    expect(selects() - before).toBe(1);
  });

  it('should refuse a key revoked in this process at once', async () => {
    const created = await createApiKey(postgres, { userId: 'frank' });
    const now = 3_000_000;
    expect(await verifyApiKey(postgres, created.key, now)).toMatchObject({ userId: 'frank' });
    await revokeApiKey(postgres, created.keyId);
    expect(await verifyApiKey(postgres, created.key, now)).toBeUndefined();
  });

  it('should refuse a key revoked by another process within a second', async () => {
    const created = await createApiKey(postgres, { userId: 'grace' });
    const now = 4_000_000;
    expect(await verifyApiKey(postgres, created.key, now)).toMatchObject({ userId: 'grace' });
    expect(await revokeApiKey(otherProcess, created.keyId)).toBe(true);
    // Before the next check this process still answers from memory …
    expect(await verifyApiKey(postgres, created.key, now + 500)).toMatchObject({
      userId: 'grace',
    });
    // … and the first request after it is refused.
    expect(await verifyApiKey(postgres, created.key, now + KEY_CHANGES_CHECK_MS)).toBeUndefined();
  });

  it('should accept a key another process created after this one refused it', async () => {
    const key = generateApiKey().key;
    const now = 5_000_000;
    expect(await verifyApiKey(postgres, key, now)).toBeUndefined();
    await ensureApiKey(otherProcess, { key, userId: 'dave', role: 'user' });
    expect(await verifyApiKey(postgres, key, now + KEY_CHANGES_CHECK_MS)).toMatchObject({
      userId: 'dave',
      role: 'user',
    });
  });

  it('should keep answering known keys when Postgres cannot be asked about changes', async () => {
    const lost = createPostgresDatabase({ url: testDatabase.url, poolSize: 1 });
    const created = await createApiKey(lost, { userId: 'ivan' });
    const now = 7_000_000;
    expect(await verifyApiKey(lost, created.key, now)).toMatchObject({ userId: 'ivan' });
    await lost.close(); // every query on this handle fails from now on
    expect(await verifyApiKey(lost, created.key, now + KEY_CHANGES_CHECK_MS)).toMatchObject({
      userId: 'ivan',
    });
    // A key it does not know still needs Postgres, and the request fails as before.
    await expect(
      verifyApiKey(lost, generateApiKey().key, now + 2 * KEY_CHANGES_CHECK_MS),
    ).rejects.toThrow();
  });

  it('should accept a key at once when it is created here after being refused', async () => {
    const key = generateApiKey().key;
    const now = 6_000_000;
    expect(await verifyApiKey(postgres, key, now)).toBeUndefined();
    await ensureApiKey(postgres, { key, userId: 'heidi', role: 'user' });
    expect(await verifyApiKey(postgres, key, now)).toMatchObject({ userId: 'heidi' });
  });
});
