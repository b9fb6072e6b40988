import { createApiKey, ensureApiKey, revokeApiKey } from '@aiq/auth';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { authenticate } from './authenticate.js';

function appFor(database: Database, browserPrompt = false) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('logger', createLogger({ logLevel: 'silent' }));
    await next();
  });
  app.use(authenticate({ database, browserPrompt }));
  app.get('/me', (c) => c.json(c.var.user));
  app.onError(renderError);
  return app;
}

describe('authenticate', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(() => database.close());

  it('should resolve a Bearer key to its user', async () => {
    const created = await createApiKey(database, { userId: 'alice' });
    const response = await appFor(database).request('/me', {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(await response.json()).toEqual({ id: 'alice', role: 'user', keyId: created.keyId });
  });

  it.each([
    [undefined, 'unauthorized'],
    ['Bearer', 'unauthorized'],
    ['Token abc', 'unauthorized'],
    ['Bearer aiq_not-a-real-key', 'invalid_api_key'],
  ])('should answer 401 with a stable code for %s', async (header, code) => {
    const response = await appFor(database).request('/me', {
      headers: header === undefined ? {} : { authorization: header },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="aiq"');
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it('should accept Basic credentials only where it asks browsers for them', async () => {
    const created = await createApiKey(database, { userId: 'carol' });
    const headers = {
      authorization: `Basic ${Buffer.from(`carol:${created.key}`).toString('base64')}`,
    };
    const refused = await appFor(database).request('/me', { headers });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const prompted = await appFor(database, true).request('/me', { headers });
    expect(await prompted.json()).toMatchObject({ id: 'carol' });
  });

  it('should refuse a revoked key', async () => {
    const created = await createApiKey(database, { userId: 'bob' });
    await revokeApiKey(database, created.keyId);
    const response = await appFor(database).request('/me', {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(response.status).toBe(401);
  });

  it('should refuse the development key aiq once published, even where a ledger still holds it', async () => {
    // Older `pnpm start`s inserted this public key as an operator key.
    const published = 'aiq_development_key_for_local_use_only_00000000';
    await ensureApiKey(database, { key: published, userId: 'dev', role: 'operator' });
    const refused = await appFor(database).request('/me', {
      headers: { authorization: `Bearer ${published}` },
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});
