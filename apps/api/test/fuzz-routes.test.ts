import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { submitTask } from '@aiq/tasks';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing/test-api.js';
import {
  checkResponse,
  HANG_MS,
  FUZZ_LIMITS,
  FUZZ_ROUTES,
  fuzzRuns,
  fuzzSeed,
  requestsFor,
  type FuzzKeys,
  type FuzzRequest,
  type FuzzRoute,
} from './harness/fuzz-requests.js';

// `pnpm test` runs a few hundred cases per route; CI's chaos step runs FUZZ_RUNS=10000.
const RUNS = fuzzRuns(100);

const FUZZ_ENV = {
  ...FUZZ_LIMITS,
  // Providers are configured (no worker runs, so none is ever called).
  OPENAI_API_KEY: 'sk-fuzz',
  ANTHROPIC_API_KEY: 'sk-ant-fuzz',
  DEEPSEEK_API_KEY: 'sk-fuzz',
};

/**
 * Sends a fuzz request through `app.request()` and reads the whole answer (a stream: cancelled).
 * `undefined` when a long poll was left waiting after {@link HANG_MS}.
 */
async function send(api: TestApi, route: FuzzRoute, request: FuzzRequest) {
  const leave = new AbortController();
  const timer = setTimeout(() => leave.abort(), HANG_MS);
  try {
    const response = await api.app.request(request.path, {
      method: request.method,
      headers: request.headers,
      signal: leave.signal,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    if (leave.signal.aborted) {
      if (route.longPoll === true) return undefined;
      throw new Error(
        `${request.method} ${request.path.slice(0, 200)}: no answer in ${HANG_MS} ms`,
      );
    }
    const contentType = response.headers.get('content-type');
    if (contentType?.includes('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, contentType, text: undefined };
    }
    return { status: response.status, contentType, text: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Another user's task is a 404 on every route (its stream and resume included), and operator
 * routes (admin, metrics, Bull Board) refuse anyone without the operator's key: so neither ever
 * answers 2xx to such a request.
 */
function checkAccess(route: FuzzRoute, request: FuzzRequest, status: number, keys: FuzzKeys) {
  if (status >= 300) return;
  const authorization = request.headers['authorization'] ?? '';
  const operator =
    authorization.includes(keys.operator) ||
    (authorization.startsWith('Basic ') &&
      Buffer.from(authorization.slice(6), 'base64').toString('utf8').endsWith(keys.operator));
  if (operator) return;
  if (request.path.includes(keys.foreignTaskId)) {
    throw new Error(`${request.method} ${request.path}: ${status} for another user's task`);
  }
  if (route.caller === 'operator') {
    throw new Error(`${request.method} ${request.path}: ${status} without an operator key`);
  }
}

/**
 * A request carrying exactly the caller's own bearer key is never refused by authentication or
 * by the rate limiter (the fuzz limits are out of reach), unless it also carries a stream token:
 * it reaches the route's own checks.
 * Answers whether it did.
 */
function checkAdmitted(route: FuzzRoute, request: FuzzRequest, status: number, keys: FuzzKeys) {
  const own = route.caller === 'operator' ? keys.operator : keys.user;
  if (request.headers['authorization'] !== `Bearer ${own}`) return false;
  // A stream token in the query is checked instead of the header (and refused when bad).
  if (new URL(request.path, 'http://fuzz').searchParams.has('token')) return false;
  if (status === 401 || status === 429) {
    throw new Error(`${request.method} ${request.path}: ${status} with the caller's own key`);
  }
  return true;
}

describe(`every route under fuzz (${RUNS} cases each, in process, real Redis and Postgres)`, () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let api: TestApi;
  let keys: FuzzKeys;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ url: testDatabase.url, poolSize: 4 });
    await database.migrate();
    api = await startTestApi(FUZZ_ENV, { database });
    const registry = { ...api.deps, registry: api.deps.models };
    const submit = (userId: string) =>
      submitTask(registry, {
        kind: 'background',
        userId,
        type: 'ai_background_generation',
        input: { model: 'gpt-5', messages: [{ role: 'user', content: 'fuzz fixture' }] },
      });
    keys = {
      user: (await createApiKey(database, { userId: 'fuzz-user', role: 'user' })).key,
      operator: (await createApiKey(database, { userId: 'fuzz-operator', role: 'operator' })).key,
      ownTaskId: (await submit('fuzz-user')).taskId,
      foreignTaskId: (await submit('someone-else')).taskId,
    };
  });
  afterAll(async () => {
    await api.close();
    await testDatabase.drop();
  });

  for (const route of FUZZ_ROUTES) {
    it(
      `${route.method} ${route.path}: never a 5xx, every error {error:{code,message}}`,
      async () => {
        let reachedRoute = 0;
        await fc.assert(
          fc.asyncProperty(requestsFor(route, keys), async (request) => {
            const answer = await send(api, route, request);
            if (answer === undefined) return; // accepted, waiting for a worker that never runs
            const { status, contentType, text } = answer;
            checkResponse(route, request, status, contentType, text);
            checkAccess(route, request, status, keys);
            if (checkAdmitted(route, request, status, keys)) reachedRoute += 1;
          }),
          { numRuns: RUNS, ...fuzzSeed() },
        );
        // The app still answers after the run.
        expect((await api.app.request('/api/health')).status).toBe(200);
        // The run exercised the route's own checks, not only authentication (about 60% of the
        // cases carry the caller's key exactly; a fifth is far below what any seed draws).
        expect(reachedRoute).toBeGreaterThan(RUNS / 5);
      },
      30_000 + RUNS * 100,
    );
  }

  // Each a 500 the fuzzer found (its shrunk counterexample), fixed since: now a 2xx or a 4xx.
  it.each([
    ['PUT', '/api/admin/notice', 'operator', '{"message":"a\\u0000b"}', 200],
    ['POST', '/api/admin/providers/openai/enable', 'operator', '{"reason":"a\\u0000b"}', 200],
    ['POST', '/api/admin/providers/openai/disable', 'operator', '{"reason":"a\\u0000b"}', 200],
    ['GET', '/api/docs/assets/__proto__', 'user', undefined, 404],
    [
      'POST',
      '/api/ai/background-task',
      'user',
      `{"type":"ai_background_generation","input":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
      400,
    ],
  ] as const)(
    'counterexample %#: %s %s with a %s key',
    async (method, path, caller, body, status) => {
      const response = await api.app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${caller === 'operator' ? keys.operator : keys.user}`,
          'content-type': 'application/json',
        },
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status).toBe(status);
      await api.app.request('/api/admin/providers/openai/enable', {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.operator}` },
      });
    },
  );

  it('should not have let the fuzz user see or touch the other user’s task', async () => {
    const response = await api.app.request(`/api/tasks/${keys.foreignTaskId}`, {
      headers: { authorization: `Bearer ${keys.user}` },
    });
    expect(response.status).toBe(404);
  });
});
