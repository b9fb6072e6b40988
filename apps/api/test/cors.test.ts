import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing/test-api.js';
import { startHttpApi, type HttpApi } from './harness/http-api.js';

const ALLOWED = 'http://app.example:5173';
const REFUSED = 'https://evil.example';

/** What a browser sends before `fetch(url, { headers: { authorization, … } })` from a page. */
function preflight(api: HttpApi, path: string, origin: string, method = 'POST') {
  return fetch(`${api.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });
}

describe('CORS', () => {
  let api: HttpApi;
  let authorization: string;
  beforeAll(async () => {
    api = await startHttpApi({ CORS_ORIGINS: `${ALLOWED}, https://other.example` });
    authorization = `Bearer ${await api.keyFor('cors')}`;
  });
  afterAll(() => api.close());

  it('should answer the preflight of an allowed origin before authentication', async () => {
    for (const [path, method] of [
      ['/v1/chat/completions', 'POST'],
      ['/api/ai/generate', 'POST'],
      ['/api/tasks/0b6b3f4e-4a57-4f4e-9d3c-3b8e5b0c1a2d', 'DELETE'],
    ] as const) {
      const response = await preflight(api, path, ALLOWED, method);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain(method);
      expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual([
        'Authorization',
        'Content-Type',
        'Idempotency-Key',
        'Last-Event-ID',
      ]);
      expect(response.headers.get('vary')).toMatch(/Origin/);
    }
  });

  it('should let an allowed origin read answers and their rate-limit headers', async () => {
    const models = await fetch(`${api.url}/v1/models`, {
      headers: { authorization, origin: ALLOWED },
    });
    expect(models.status).toBe(200);
    expect(models.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const exposed = models.headers.get('access-control-expose-headers')?.split(',') ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining([
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
        'X-Request-Id',
      ]),
    );
    // A refusal must be readable too, or the page only sees a network error.
    const refused = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const limited = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, origin: ALLOWED, 'content-type': 'application/json' },
      body: '{"model":"gpt-5.6-sol","messages":[]}',
    });
    expect(limited.headers.get('ratelimit-limit')).toBe('10');
    expect(limited.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('should give an origin that is not allowed no CORS headers', async () => {
    const answer = await preflight(api, '/v1/chat/completions', REFUSED);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-headers')).toBeNull();
    const models = await fetch(`${api.url}/v1/models`, {
      headers: { authorization, origin: REFUSED },
    });
    expect(models.status).toBe(200); // not a browser: CORS only tells browsers what to share
    expect(models.headers.get('access-control-allow-origin')).toBeNull();
    expect(models.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('should keep CORS off the operator pages', async () => {
    const answer = await preflight(api, '/admin/queues/api/queues', ALLOWED);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS by default', () => {
  let plain: TestApi;
  beforeAll(async () => {
    plain = await startTestApi();
  });
  afterAll(() => plain.close());

  it('should send no CORS headers at all', async () => {
    const answer = await plain.app.request('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    expect(answer.status).toBe(401);
    const names = [...answer.headers.keys()];
    expect(names.filter((name) => name.startsWith('access-control'))).toEqual([]);
  });
});
