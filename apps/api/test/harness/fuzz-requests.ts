import fc from 'fast-check';

/**
 * Requests for the route fuzzer: structurally plausible ones derived from the zod schemas
 * (apps/api/src/schemas: every field right, missing, of the wrong type or hostile) and raw
 * garbage (invalid JSON, wrong content types, odd headers), as plain data both the in-process
 * app and a real HTTP client can send.
 */

/** Limits high enough that the fuzz user's requests reach validation, not the rate limiter. */
export const FUZZ_LIMITS = {
  RATE_LIMIT_STANDARD_PER_MINUTE: '1000000',
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000000',
  ENSEMBLE_RATE_LIMIT_PER_MINUTE: '1000000',
  SSE_OPENS_PER_MINUTE: '1000000',
  SSE_MAX_STREAMS_PER_USER: '100000',
};

export interface FuzzRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/tasks?limit=1e309`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Whose key a request carries. */
type Caller = 'user' | 'operator';

/** The keys the fuzzer may send, made by the test before the run. */
export interface FuzzKeys {
  readonly user: string;
  readonly operator: string;
  /** Ids of tasks that exist: `own` the user's, `foreign` another user's. */
  readonly ownTaskId: string;
  readonly foreignTaskId: string;
}

// Numbers a JSON parser meets as text: a string field holding `RAW + literal` is spliced in
// unquoted, so bodies carry `1e309`, `NaN` or `-0` as written, not as JSON.stringify would.
const RAW = '\u{E000}raw:';
const rawNumber = fc
  .constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '-1e309',
    '1e-400',
    '-0',
    '0.0',
    '01',
    '0x10',
    '1.',
    '.5',
    '123456789012345678901234567890',
    '9007199254740993',
    '2e0',
    '1E2',
  )
  .map((literal) => RAW + literal);

function spliceRawNumbers(text: string): string {
  return text.replace(
    /"\\ue000raw:([^"]*)"|"\u{E000}raw:([^"]*)"/gu,
    (_, a: string, b: string) => a ?? b,
  );
}

/** Strings that break naive code: NUL, lone surrogates, RTL and zero-width marks, huge ones. */
const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '\uDFFF',
      'x\uD83D',
      '\uFEFF',
      '\u202E',
      '\u200B',
      '%00',
      '../../etc/passwd',
      "'; DROP TABLE tasks; --",
      '<script>alert(1)</script>',
      '{{7*7}}',
      '${process.exit()}',
      '__proto__',
      'constructor',
      'null',
      'undefined',
    ),
  },
  { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((length) => 'x'.repeat(length)) },
);

/** Any JSON value, shallow and deep, with the hostile strings and numbers above. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    rawNumber,
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Nested `depth` times: arrays or objects, as JSON text. */
function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A field: mostly a value of its type, sometimes anything at all. */
function field<T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyJson });
}

const MODELS = [
  'gpt-5',
  'gpt-5.6-sol',
  'claude-sonnet-5-5',
  'deepseek-chat',
  'no-such-model',
  'gpt-4',
] as const;
const model = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...MODELS) }, nastyString);
const role = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('system', 'user', 'assistant', 'developer') },
  nastyString,
);
const message = fc.record({ role: field(role), content: field(nastyString) }, { requiredKeys: [] });
const messages = fc.array(field(message), { maxLength: 4 });
const smallNumber = fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double(), rawNumber);
const idempotencyKey = fc.oneof(nastyString, fc.constant('k'.repeat(256)));
const uuid = fc.uuid();

/** An object of `fields` with any of them missing, plus unknown fields now and then. */
function plausible(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.record(
        Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, field(value)])),
        { requiredKeys: [] },
      ),
      fc.option(fc.dictionary(nastyString, anyJson, { maxKeys: 3 }), { freq: 4 }),
    )
    .map(([body, extra]) => (extra === null ? body : { ...extra, ...body }));
}

const generateFields = {
  model,
  messages,
  prompt: nastyString,
  system: nastyString,
  max_tokens: smallNumber,
  temperature: smallNumber,
  stream: fc.boolean(),
  fallback: fc.boolean(),
  fallback_models: fc.array(model, { maxLength: 12 }),
  cache: fc.boolean(),
  idempotency_key: idempotencyKey,
  cancel_on_disconnect: fc.boolean(),
};

/** Request bodies by schema name (apps/api/src/schemas). */
const bodies = {
  generate: plausible(generateFields),
  ensemble: plausible({
    ...generateFields,
    models: fc.array(model, { maxLength: 10 }),
  }),
  backgroundTask: plausible({
    type: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'ai_background_generation',
          'ai_analyze_document',
          'ai_ensemble',
          'ai_generation',
        ),
      },
      nastyString,
    ),
    input: plausible({
      model,
      prompt: nastyString,
      messages,
      document: nastyString,
      instruction: nastyString,
      chunkTokens: smallNumber,
      maxTokens: smallNumber,
      models: fc.array(model, { maxLength: 10 }),
    }),
    idempotency_key: idempotencyKey,
  }),
  retry: plausible({ taskId: fc.oneof(uuid, nastyString) }),
  chatCompletion: plausible({
    model,
    messages: fc.array(
      field(
        fc.record(
          {
            role: field(role),
            content: field(
              fc.oneof(
                nastyString,
                fc.array(
                  plausible({ type: fc.constantFrom('text', 'image_url'), text: nastyString }),
                  { maxLength: 3 },
                ),
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      { maxLength: 4 },
    ),
    stream: fc.option(fc.boolean()),
    stream_options: plausible({ include_usage: fc.boolean() }),
    max_tokens: smallNumber,
    max_completion_tokens: smallNumber,
    temperature: smallNumber,
    n: fc.oneof(fc.constant(1), smallNumber),
    cache: fc.boolean(),
  }),
  reason: plausible({ reason: nastyString }),
  notice: plausible({ message: nastyString }),
  none: fc.constant(undefined),
} as const satisfies Record<string, fc.Arbitrary<unknown>>;

/** A body as sent: the object as JSON (raw numbers spliced in), or garbage. */
function bodyText(body: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    {
      weight: 12,
      arbitrary: body.map((value) =>
        value === undefined ? undefined : spliceRawNumbers(JSON.stringify(value)),
      ),
    },
    { weight: 2, arbitrary: anyJson.map((value) => spliceRawNumbers(JSON.stringify(value))) },
    { weight: 2, arbitrary: nastyString },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"model":',
        '{"model":"gpt-5",}',
        "{'model':'gpt-5'}",
        '[]',
        'null',
        'true',
        '"string"',
        '{"__proto__":{"polluted":true},"model":"gpt-5","prompt":"hi"}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '\uFEFF{"model":"gpt-5","prompt":"hi"}',
        '{"model":"gpt-5","prompt":"hi","prompt":"twice"}',
        deepJson(20_000, 'array'),
        deepJson(20_000, 'object'),
        '{"type":"ai_background_generation","input":' + deepJson(5_000, 'array') + '}',
        '{"type":"ai_background_generation","input":' + deepJson(200, 'object') + '}',
        '{"model":"gpt-5","prompt":"' + 'y'.repeat(1_100_000) + '"}',
        'model=gpt-5&prompt=hi',
        '--x\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-5\r\n--x--',
      ),
    },
  );
}

/** Header values a Headers object accepts: Latin-1, no NUL, CR or LF. */
const headerValue = fc
  .string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  })
  .map((value) => value.trim());

function authorization(keys: FuzzKeys, caller: Caller): fc.Arbitrary<string | undefined> {
  const own = caller === 'operator' ? keys.operator : keys.user;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return fc.oneof(
    { weight: 20, arbitrary: fc.constant(`Bearer ${own}`) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        undefined,
        'Bearer',
        'Bearer ',
        `bearer ${own}`,
        `BEARER  ${own}`,
        `Bearer ${own} extra`,
        `Bearer ${own}x`,
        `Bearer ${own.slice(0, -1)}`,
        `Bearer ${keys.user}`,
        `Bearer ${keys.operator}`,
        `Token ${own}`,
        basic('operator', own),
        basic('', keys.user),
        'Basic !!!not-base64!!!',
        'Basic ',
        'Bearer aiq_',
        'Bearer aiq_' + 'a'.repeat(5000),
        'Bearer sk-test',
        'Digest username="x"',
      ),
    },
    { weight: 1, arbitrary: headerValue.map((value) => `Bearer ${value}`) },
    { weight: 1, arbitrary: headerValue },
  );
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/vnd.api+json',
      'application/json, text/plain',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

/** `Authorization`, `Content-Type`, `Idempotency-Key`, `Last-Event-ID`, `Accept` and a few more. */
function headers(keys: FuzzKeys, caller: Caller): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(
      {
        authorization: authorization(keys, caller),
        'content-type': contentType,
        'idempotency-key': fc.option(fc.oneof(headerValue, fc.constant('k'.repeat(300))), {
          freq: 3,
        }),
        'last-event-id': fc.option(
          fc.oneof(headerValue, fc.constantFrom('0', '-1', '1e309', '99999999999999999999', '3')),
          { freq: 3 },
        ),
        accept: fc.option(
          fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/html', ''),
          { freq: 3 },
        ),
        'x-aiq-cache': fc.option(fc.oneof(fc.constantFrom('true', 'false'), headerValue), {
          freq: 5,
        }),
        'content-length': fc.option(fc.constantFrom('0', '1', '99999999999', '-1', 'abc'), {
          freq: 12,
        }),
        origin: fc.option(fc.constantFrom('https://evil.example', 'null'), { freq: 10 }),
        'x-forwarded-for': fc.option(headerValue, { freq: 10 }),
      },
      { requiredKeys: [] },
    )
    .map((record) =>
      Object.fromEntries(
        Object.entries(record).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      ),
    );
}

/** Percent-encodes the UTF-8 of any string, lone surrogates included (as U+FFFD). */
function encode(value: string): string {
  return [...new TextEncoder().encode(value)]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Query strings: the route's own keys with hostile values, unknown keys, broken escapes. */
function query(knownKeys: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    nastyString.map(encode),
    fc.constantFrom(
      '%',
      '%ZZ',
      '%C0%80',
      '%FF',
      '%E0%A4%A',
      '1e309',
      'NaN',
      '-1',
      '0',
      '101',
      '20',
    ),
  );
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...knownKeys, 'x') },
    nastyString.map(encode),
  );
  return fc
    .array(fc.tuple(key, fc.option(value, { freq: 6 })), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0
        ? ''
        : '?' + pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&'),
    );
}

/** A path segment where an id or name goes: real ones, other users', random and broken ones. */
function segment(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: uuid },
    { weight: 2, arbitrary: nastyString.map(encode) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%2F', '..', '%2e%2e', 'a'.repeat(5000), '%00', ' '),
    },
  );
}

/** One route under fuzz: its method, a path made of fuzzable segments, body and caller. */
export interface FuzzRoute {
  readonly name: string;
  readonly method: string;
  /** The path, `:id` / `:name` / `:rest` filled in by the fuzzer. */
  readonly path: string;
  readonly body: keyof typeof bodies;
  readonly caller: Caller;
  readonly queryKeys?: readonly string[];
  /**
   * Bull Board's own API answers its errors in its shape (`{error: {key}}`): only the 401 and
   * 403 of our authentication in front of it must be ours.
   */
  readonly foreignErrors?: boolean;
  /**
   * Answers only when the task ends (`/v1/chat/completions` without `stream`): with no worker
   * running, an accepted request waits, so the fuzzer leaves it after a while.
   */
  readonly longPoll?: boolean;
}

/** How long a request may take before the fuzzer calls it a hang (or, on a long poll, leaves). */
export const HANG_MS = 3_000;

/** Every route of apps/api/src/routes, as the app mounts them. */
export const FUZZ_ROUTES: readonly FuzzRoute[] = [
  { name: 'generate', method: 'POST', path: '/api/ai/generate', body: 'generate', caller: 'user' },
  { name: 'ensemble', method: 'POST', path: '/api/ai/ensemble', body: 'ensemble', caller: 'user' },
  {
    name: 'background-task',
    method: 'POST',
    path: '/api/ai/background-task',
    body: 'backgroundTask',
    caller: 'user',
  },
  {
    name: 'background-task retry',
    method: 'POST',
    path: '/api/ai/background-task/retry',
    body: 'retry',
    caller: 'user',
  },
  {
    name: 'task list',
    method: 'GET',
    path: '/api/tasks',
    body: 'none',
    caller: 'user',
    queryKeys: ['status', 'limit', 'cursor', 'user'],
  },
  { name: 'task', method: 'GET', path: '/api/tasks/:id', body: 'none', caller: 'user' },
  {
    name: 'task events',
    method: 'GET',
    path: '/api/tasks/:id/events',
    body: 'none',
    caller: 'user',
    // `token` replaces the API key: an unknown one is a 401, so it comes up less often.
    queryKeys: ['last_event_id', 'follow', 'last_event_id', 'follow', 'token'],
  },
  {
    name: 'stream token',
    method: 'POST',
    path: '/api/tasks/:id/stream-token',
    body: 'none',
    caller: 'user',
  },
  {
    name: 'task retry',
    method: 'POST',
    path: '/api/tasks/:id/retry',
    body: 'none',
    caller: 'user',
  },
  { name: 'task cancel', method: 'DELETE', path: '/api/tasks/:id', body: 'none', caller: 'user' },
  {
    name: 'chat completions',
    method: 'POST',
    path: '/v1/chat/completions',
    body: 'chatCompletion',
    caller: 'user',
    longPoll: true,
  },
  { name: 'models', method: 'GET', path: '/v1/models', body: 'none', caller: 'user' },
  {
    name: 'admin providers',
    method: 'GET',
    path: '/api/admin/providers',
    body: 'none',
    caller: 'operator',
  },
  {
    name: 'admin provider disable',
    method: 'POST',
    path: '/api/admin/providers/:name/disable',
    body: 'reason',
    caller: 'operator',
  },
  {
    name: 'admin provider enable',
    method: 'POST',
    path: '/api/admin/providers/:name/enable',
    body: 'reason',
    caller: 'operator',
  },
  {
    name: 'admin notice put',
    method: 'PUT',
    path: '/api/admin/notice',
    body: 'notice',
    caller: 'operator',
  },
  {
    name: 'admin notice delete',
    method: 'DELETE',
    path: '/api/admin/notice',
    body: 'none',
    caller: 'operator',
  },
  { name: 'status', method: 'GET', path: '/api/status', body: 'none', caller: 'user' },
  { name: 'health', method: 'GET', path: '/api/health', body: 'none', caller: 'user' },
  { name: 'health ready', method: 'GET', path: '/api/health/ready', body: 'none', caller: 'user' },
  { name: 'metrics', method: 'GET', path: '/metrics', body: 'none', caller: 'operator' },
  {
    name: 'bull board',
    method: 'GET',
    path: '/admin/queues/:rest',
    body: 'none',
    caller: 'operator',
    foreignErrors: true,
  },
  {
    name: 'bull board api',
    method: 'PUT',
    path: '/admin/queues/api/queues/:rest',
    body: 'none',
    caller: 'operator',
    foreignErrors: true,
  },
  { name: 'api docs', method: 'GET', path: '/api/docs/assets/:rest', body: 'none', caller: 'user' },
  { name: 'openapi', method: 'GET', path: '/api/openapi.json', body: 'none', caller: 'user' },
];

const PROVIDER_NAMES = ['openai', 'anthropic', 'deepseek', 'gpt-5', 'claude-sonnet-5-5'];
const BOARD_PATHS = [
  '',
  'api/queues',
  'api/redis/stats',
  'api/queues/generate-openai/retry/failed',
  'api/queues/dead-letter/clean/completed',
  'api/queues/background-task/pause',
  'api/queues/nope/1/logs',
  'static/x.js',
  'queue/dead-letter',
];
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'initialize.js', 'index.html', 'x'];

/** The requests of one route: its own shape most of the time, any method now and then. */
export function requestsFor(route: FuzzRoute, keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const filler = route.path.includes(':id')
    ? segment([keys.ownTaskId, keys.foreignTaskId])
    : route.path.includes(':name')
      ? segment(PROVIDER_NAMES)
      : route.path.includes(':rest')
        ? segment(route.path.startsWith('/api/docs') ? ASSETS : BOARD_PATHS)
        : fc.constant('');
  return fc
    .record({
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(route.method) },
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      ),
      filler,
      query: query(route.queryKeys ?? ['x']),
      headers: headers(keys, route.caller),
      body:
        route.body === 'none'
          ? fc.option(bodyText(bodies.generate), { freq: 5 })
          : bodyText(bodies[route.body]),
    })
    .map(({ method, filler: value, query: search, headers: sent, body }) => ({
      method,
      path: route.path.replace(/:id|:name|:rest/, value) + search,
      headers: sent,
      ...(body === null || body === undefined || method === 'GET' ? {} : { body }),
    }));
}

/** What a response must be: never a 5xx; every error `{error: {code, message}}` (strings). */
export function checkResponse(
  route: FuzzRoute,
  request: FuzzRequest,
  status: number,
  contentType: string | null,
  text: string | undefined,
): void {
  const where = `${request.method} ${request.path.slice(0, 200)} → ${status}`;
  if (status >= 500) throw new Error(`${where}: a 5xx: ${text?.slice(0, 500) ?? ''}`);
  if (status < 400 || text === undefined) return;
  if (route.foreignErrors === true && status !== 401 && status !== 403) return;
  if (!contentType?.includes('application/json')) {
    throw new Error(`${where}: error of type ${contentType ?? 'none'}: ${text.slice(0, 200)}`);
  }
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`${where}: error body not {error:{code,message}}: ${text.slice(0, 300)}`);
  }
}

/** Case count per route: `FUZZ_RUNS`, else `fallback` (CI's chaos step sets 10000). */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env['FUZZ_RUNS'] ?? fallback);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** `FUZZ_SEED` replays a run fast-check reported. */
export function fuzzSeed(): { seed: number } | Record<string, never> {
  const seed = process.env['FUZZ_SEED'];
  return seed === undefined ? {} : { seed: Number(seed) };
}
