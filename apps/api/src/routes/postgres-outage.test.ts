import { createPostgresDatabase } from '@aiq/db';
import { startOwnPostgres, type OwnPostgres } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

describe('with Postgres unreachable', () => {
  let postgres: OwnPostgres;
  let api: TestApi;
  let alice: Record<string, string>;
  beforeAll(async () => {
    postgres = await startOwnPostgres();
    const database = createPostgresDatabase({
      url: postgres.url,
      poolSize: 2,
      connectTimeoutSeconds: 2,
    });
    api = await startTestApi({}, { database });
    alice = await api.keyFor('alice');
    const accepted = await submit();
    expect(accepted.status).toBe(202);
    await postgres.stop();
  }, 120_000);
  afterAll(async () => {
    await api.close();
    await postgres.destroy();
  });

  function submit() {
    return api.app.request('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
      headers: { 'content-type': 'application/json', ...alice },
    });
  }

  it('should refuse submissions fast with 503 and Retry-After, never accepting what it cannot record', async () => {
    const started = performance.now();
    const response = await submit();
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toMatchObject({ error: { code: 'service_unavailable' } });
    // postgres-js gives up after its 2 s connect timeout: no hanging request.
    expect(elapsedMs).toBeLessThan(6_000);
  });

  it('should accept submissions again once Postgres is back', async () => {
    await postgres.start();
    await expect
      .poll(async () => (await submit()).status, { timeout: 20_000, interval: 500 })
      .toBe(202);
  });
});
