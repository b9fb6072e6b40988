import { createPgliteDatabase, createPostgresDatabase, type Database } from '@aiq/db';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js';
import { createApiKey, ensureApiKey, revokeApiKey, verifyApiKey } from './api-key-store.js';

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
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    postgres = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
    await postgres.migrate();
  });
  afterAll(async () => {
    await postgres.close();
    await testDatabase.drop();
  });

  it('should look an unknown well-formed key up once, not on every request', async () => {
    const { database, selects } = countingSelects(postgres);
    const unknown = generateApiKey().key;
    for (let index = 0; index < 5; index += 1) {
      expect(await verifyApiKey(database, unknown)).toBeUndefined();
    }
    expect(selects()).toBe(1);
    // A key that exists is still looked up every time, so a revocation takes effect at once.
    const created = await createApiKey(database, { userId: 'carol' });
    await verifyApiKey(database, created.key);
    await verifyApiKey(database, created.key);
    expect(selects()).toBe(3);
  });

  it('should accept a key at once when it is created after being refused', async () => {
    const { database } = countingSelects(postgres);
    const key = generateApiKey().key;
    expect(await verifyApiKey(database, key)).toBeUndefined();
    await ensureApiKey(database, { key, userId: 'dave', role: 'user' });
    expect(await verifyApiKey(database, key)).toMatchObject({ userId: 'dave', role: 'user' });
  });
});
