import { createApiKey } from '@aiq/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

// What a hostile page can make an operator's browser send: a "simple" cross-site form post
// (text/plain needs no preflight), carrying the Basic credentials the browser cached for /admin.
describe('Bull Board', () => {
  let api: TestApi;
  let basic: string;
  let bearer: string;
  beforeAll(async () => {
    api = await startTestApi();
    const { key } = await createApiKey(api.deps.database, { userId: 'ops', role: 'operator' });
    basic = `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;
    bearer = `Bearer ${key}`;
  });
  afterAll(() => api.close());

  const addPath = '/admin/queues/api/queues/background-task/add';
  const job = JSON.stringify({ name: 'csrf', data: { hello: 'board' }, options: {} });
  const waitingJobs = () => api.deps.queues['background-task'].getWaitingCount();

  it.each([
    ['a cross-site Origin', { origin: 'https://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site', origin: 'http://localhost' }],
  ])('should refuse a state-changing request with %s and add no job', async (_, headers) => {
    const response = await api.app.request(addPath, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'text/plain', ...headers },
      body: job,
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'cross_site_request' } });
    expect(await waitingJobs()).toBe(0);
  });

  it('should add a job from the same origin, and from a tool that sends no Origin', async () => {
    const sameOrigin = await api.app.request(addPath, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/json',
        origin: 'http://localhost',
        'sec-fetch-site': 'same-origin',
      },
      body: job,
    });
    expect(sameOrigin.status).toBe(200);
    const curl = await api.app.request(addPath, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: job,
    });
    expect(curl.status).toBe(200);
    expect(await waitingJobs()).toBe(2);
  });

  it('should let a safe request through whatever site it comes from', async () => {
    const page = await api.app.request('/admin/queues/api/queues', {
      headers: { authorization: basic, 'sec-fetch-site': 'cross-site' },
    });
    expect(page.status).toBe(200);
  });

  it('should accept Basic credentials only under /admin', async () => {
    expect(
      (await api.app.request('/v1/models', { headers: { authorization: bearer } })).status,
    ).toBe(200);
    for (const path of ['/v1/models', '/api/tasks']) {
      const response = await api.app.request(path, { headers: { authorization: basic } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const board = await api.app.request('/admin/queues/api/queues', {
      headers: { authorization: basic },
    });
    expect(board.status).toBe(200);
  });
});
