import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import {
  checkResponse,
  HANG_MS,
  FUZZ_LIMITS as FUZZ_ENV,
  FUZZ_ROUTES,
  fuzzRuns,
  fuzzSeed,
  requestsFor,
  type FuzzKeys,
  type FuzzRequest,
  type FuzzRoute,
} from './harness/fuzz-requests.js';

// A share of fuzz-routes.test.ts's cases, over real HTTP to a separate API process: its body
// limit, Node's HTTP parser and the process itself are under test here.
const RUNS = Math.max(10, Math.round(fuzzRuns(100) / 20));

/** Headers fetch refuses to send as given (undici checks them itself). */
const CLIENT_MANAGED = new Set(['content-length']);

/** Node's HTTP parser refuses some requests itself (431, 400), with no body: the HTTP layer. */
const PARSER_STATUSES = new Set([400, 413, 431]);

/**
 * Sends a fuzz request with fetch: `undefined` when fetch refuses to send it (undici validates
 * some headers, e.g. an empty Authorization) or a long poll was left waiting.
 */
async function send(base: string, route: FuzzRoute, request: FuzzRequest) {
  const leave = new AbortController();
  const timer = setTimeout(() => leave.abort(), HANG_MS);
  try {
    const response = await fetch(base + request.path, {
      method: request.method,
      headers: Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !CLIENT_MANAGED.has(name)),
      ),
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: leave.signal,
    });
    const contentType = response.headers.get('content-type');
    if (contentType?.includes('text/event-stream')) {
      leave.abort();
      return { status: response.status, contentType, text: undefined };
    }
    const text = await response.text();
    if (contentType === null && text === '' && PARSER_STATUSES.has(response.status)) {
      return { status: response.status, contentType, text: undefined };
    }
    return { status: response.status, contentType, text };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'UND_ERR_INVALID_ARG') return undefined;
    if (leave.signal.aborted && route.longPoll === true) return undefined;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `raw` on a new connection and returns what came back before close or `timeoutMs`. */
function sendRaw(port: number, raw: string | Buffer, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('connect', () => socket.end(raw));
  });
}

/** A raw answer: every status line it holds must be < 500, every JSON error our shape. */
function checkRaw(label: string, answer: string): number[] {
  const statuses = [...answer.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
  for (const status of statuses) {
    if (status >= 500) throw new Error(`${label}: a ${status}:\n${answer.slice(0, 500)}`);
  }
  const json = /content-type: application\/json[^]*?\r\n\r\n(\{.*\})/i.exec(answer)?.[1];
  if (json !== undefined && statuses.some((status) => status >= 400)) {
    const body = JSON.parse(json) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
      throw new Error(`${label}: error body not {error:{code,message}}: ${json}`);
    }
  }
  return statuses;
}

describe(`the API process under fuzz over HTTP (${RUNS} cases a route, plus raw garbage)`, () => {
  let cluster: ApiCluster;
  let base: string;
  let port: number;
  let keys: FuzzKeys;

  beforeAll(async () => {
    cluster = await startApiCluster({ apiCount: 1, workerCount: 0, env: FUZZ_ENV });
    base = cluster.apis[0] ?? '';
    port = Number(new URL(base).port);
    const bearer = async (userId: string, role?: 'user' | 'operator') =>
      ((await cluster.keyFor(userId, role))['authorization'] ?? '').replace('Bearer ', '');
    const user = await bearer('fuzz-user');
    const other = await bearer('someone-else');
    const submit = async (key: string) => {
      const response = await fetch(`${base}/api/ai/background-task`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'ai_background_generation',
          input: { model: 'gpt-5', messages: [{ role: 'user', content: 'fuzz fixture' }] },
        }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { taskId: string }).taskId;
    };
    keys = {
      user,
      operator: await bearer('fuzz-operator', 'operator'),
      ownTaskId: await submit(user),
      foreignTaskId: await submit(other),
    };
  });
  afterAll(async () => {
    await cluster.close();
  });

  for (const route of FUZZ_ROUTES) {
    it(
      `${route.method} ${route.path}: never a 5xx over HTTP`,
      async () => {
        await fc.assert(
          fc.asyncProperty(requestsFor(route, keys), async (request) => {
            const answer = await send(base, route, request);
            if (answer === undefined) return;
            const { status, contentType, text } = answer;
            checkResponse(route, request, status, contentType, text);
          }),
          { numRuns: RUNS, ...fuzzSeed() },
        );
      },
      30_000 + RUNS * 200,
    );
  }

  const generate = (headers: string, body: string) =>
    `POST /api/ai/generate HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n${body}`;
  const auth = () => `Authorization: Bearer ${keys.user}\r\nContent-Type: application/json`;
  const RAW_CASES: ReadonlyArray<readonly [string, () => string]> = [
    [
      'Content-Length larger than the body',
      () => generate(`${auth()}\r\nContent-Length: 500`, '{"model":'),
    ],
    [
      'Content-Length far past the limit',
      () => generate(`${auth()}\r\nContent-Length: 99999999999`, '{}'),
    ],
    [
      'Content-Length smaller than the body',
      () => generate(`${auth()}\r\nContent-Length: 2`, '{}GARBAGE / HTTP/1.1\r\n\r\n'),
    ],
    ['Content-Length negative', () => generate(`${auth()}\r\nContent-Length: -1`, '{}')],
    [
      'Content-Length twice',
      () => generate(`${auth()}\r\nContent-Length: 2\r\nContent-Length: 3`, '{}'),
    ],
    [
      'Content-Length and chunked',
      () => generate(`${auth()}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked`, '0\r\n\r\n'),
    ],
    [
      'broken chunks',
      () => generate(`${auth()}\r\nTransfer-Encoding: chunked`, 'zz\r\n{}\r\n0\r\n\r\n'),
    ],
    [
      'chunked past the limit',
      () =>
        generate(
          `${auth()}\r\nTransfer-Encoding: chunked`,
          `100000\r\n${'x'.repeat(0x100000)}\r\n100000\r\n${'x'.repeat(0x100000)}\r\n0\r\n\r\n`,
        ),
    ],
    ['headers past 16 KiB', () => generate(`${auth()}\r\nX-Big: ${'a'.repeat(20_000)}`, '{}')],
    ['a header without a colon', () => generate(`${auth()}\r\nNoColon`, '{}')],
    ['a header name with a space', () => generate(`${auth()}\r\nBad Name: x`, '{}')],
    ['a NUL in a header', () => generate(`${auth()}\r\nX-Nul: a\u0000b`, '{}')],
    ['Latin-1 in the Authorization', () => generate(`Authorization: Bearer \u00ff\u00fe`, '{}')],
    ['an unknown method', () => `BREW /api/health HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a broken request line', () => `GET\r\n\r\n`],
    ['HTTP/0.9', () => `GET /api/health\r\n\r\n`],
    ['HTTP/2 preface', () => `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`],
    ['an absolute URL', () => `GET http://evil.example/api/health HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a path without slash', () => `GET api/health HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'a path with raw UTF-8',
      () =>
        `GET /api/tasks/\u00e9\u00ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.user}\r\n\r\n`,
    ],
    [
      'a broken percent escape',
      () =>
        `GET /api/tasks?limit=%&cursor=%ZZ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.user}\r\n\r\n`,
    ],
    [
      'Expect: 100-continue',
      () => generate(`${auth()}\r\nExpect: 100-continue\r\nContent-Length: 2`, '{}'),
    ],
    [
      'Expect: nonsense',
      () => generate(`${auth()}\r\nExpect: 42-nothing\r\nContent-Length: 2`, '{}'),
    ],
    ['no Host', () => `GET /api/health HTTP/1.1\r\n\r\n`],
    ['binary garbage', () => '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003'],
  ];

  it('should answer raw garbage with a 4xx (or close), and never a 5xx', async () => {
    for (const [label, raw] of RAW_CASES) checkRaw(label, await sendRaw(port, raw()));
    // A request the client never finishes: the server waits, the client leaves, nothing breaks.
    checkRaw(
      'an unfinished body',
      await sendRaw(port, generate(`${auth()}\r\nContent-Length: 10`, '{'), 300),
    );
    const over = await sendRaw(port, generate(`${auth()}\r\nContent-Length: 99999999999`, '{}'));
    expect(checkRaw('over the limit', over)).toContain(413);
  });

  it(
    'should answer random bytes on the wire with a 4xx (or close), and never a 5xx',
    async () => {
      const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 });
      const prefixed = fc.tuple(
        fc.constantFrom('', 'GET / HTTP/1.1\r\n', 'POST /api/ai/generate HTTP/1.1\r\nHost: x\r\n'),
        bytes,
      );
      await fc.assert(
        fc.asyncProperty(prefixed, async ([start, tail]) => {
          checkRaw(
            'random bytes',
            await sendRaw(port, Buffer.concat([Buffer.from(start), tail]), 200),
          );
        }),
        { numRuns: RUNS, ...fuzzSeed() },
      );
    },
    30_000 + RUNS * 300,
  );

  it('should still be up and well afterwards, with no unhandled error logged', async () => {
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    expect(cluster.output()).not.toMatch(/unhandled error|uncaughtException|unhandledRejection/);
  });
});
