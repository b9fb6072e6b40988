import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase } from '@aiq/db';
import { startOwnPostgres, type OwnPostgres } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing/test-api.js';

// Found by the reliability suite (row 7): with Postgres stopped, submissions took 3.7–5 s to
// answer 503 and some timed out at 10 s, queued behind postgres-js's growing reconnect waits.
describe('API during a Postgres outage (its own PostgreSQL, stopped and started)', () => {
  let postgres: OwnPostgres;
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    postgres = await startOwnPostgres();
    const database = createPostgresDatabase({ url: postgres.url, poolSize: 4 });
    await database.migrate();
    api = await startTestApi({}, { database });
    key = (await createApiKey(database, { userId: 'outage-user', role: 'user' })).key;
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await postgres?.destroy();
  });

  const submit = async () => {
    const startedAt = performance.now();
    const response = await api.app.request('/api/ai/background-task', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'ai_background_generation',
        input: { model: 'gpt-5', messages: [{ role: 'user', content: 'outage' }] },
      }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code, ms: performance.now() - startedAt };
  };

  it('should refuse with 503 at once while Postgres is down, and accept again when it is back', async () => {
    expect((await submit()).status).toBe(202);
    await postgres.stop();
    // The first request learns of the outage from Postgres itself.
    expect(await submit()).toMatchObject({ status: 503, code: 'service_unavailable' });
    // Later ones do not wait on the pool: 40 at once, each refused well within a second (each
    // waited seconds behind the pool's reconnects before).
    const refusals = await Promise.all(Array.from({ length: 40 }, submit));
    expect(refusals.map(({ status, code }) => `${status} ${code}`)).toEqual(
      refusals.map(() => '503 service_unavailable'),
    );
    expect(Math.max(...refusals.map(({ ms }) => ms))).toBeLessThan(1_000);
    // Task reads and the OpenAI route say the same; health still answers.
    const read = await api.app.request('/api/tasks', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    await postgres.start();
    await expect.poll(async () => (await submit()).status, { timeout: 15_000 }).toBe(202);
  }, 60_000);
});
