import { randomBytes } from 'node:crypto';
import { createRedisConnection } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import { parseSse } from '../src/testing/parse-sse.js';
import { runCliProcess, type CliProcessResult } from './harness/run-cli-process.js';

/**
 * Real traffic across an API process, a worker process and the CLI, with known provider keys,
 * known aiq keys and a known prompt marker; then every place text lands is read back: each
 * process's stdout and stderr, every HTTP body, every key under the test's Redis prefix (job
 * hashes, streams, outbox, dead letters), every pub/sub message, every row of every table.
 *
 * Where prompts may live (README: "Bad input, secrets and where prompts live"):
 * `background_tasks.input` (the task as submitted, so it can run and be retried),
 * `ai_requests.prompt` (the ledger's prompt column, erased after PROMPT_RETENTION_DAYS), and in
 * Redis only the payloads that need it to run: a BullMQ job's `data` (dead letters included, for
 * replay) and the ledger outbox on its way to `ai_requests`. Keys: nowhere at all.
 */

const MARKER = `PROMPTMARK${randomBytes(6).toString('hex')}`;
const tag = () => randomBytes(8).toString('hex');
const PROVIDER_KEYS = {
  OPENAI_API_KEY: `sk-openai-LEAK${tag()}`,
  ANTHROPIC_API_KEY: `sk-ant-LEAK${tag()}`,
  // Any key starting with `invalid` gets the mock's real 401: the bad-key failure path.
  DEEPSEEK_API_KEY: `invalid-deepseek-LEAK${tag()}`,
};

/** Where a prompt may be found: `table.column` in Postgres, or a Redis key pattern and field. */
const PROMPT_COLUMNS = new Set(['background_tasks.input', 'ai_requests.prompt']);
const JOB_QUEUES = [
  'generate-openai',
  'generate-anthropic',
  'generate-deepseek',
  'background-task',
  'dead-letter',
];
function promptMayLiveInRedis(key: string, field: string | undefined, prefix: string): boolean {
  const [queue, jobId, ...rest] = key.slice(prefix.length + 1).split(':');
  // A BullMQ job hash (`<queue>:<jobId>`) holds the messages it runs on in `data`; so does a
  // dead-letter entry, for `aiq dlq replay` (shown redacted by `aiq dlq show`).
  if (JOB_QUEUES.includes(queue ?? '') && jobId !== undefined && rest.length === 0) {
    return field === 'data';
  }
  // The ledger outbox holds the prompt until a worker has written it to ai_requests.
  return queue === 'ledger';
}

interface Finding {
  readonly where: string;
  readonly secret: string;
}

function findIn(where: string, text: string, secrets: readonly string[]): Finding[] {
  return secrets.filter((secret) => text.includes(secret)).map((secret) => ({ where, secret }));
}

/** Every key under `prefix` with its fields' text (strings, hashes, lists, sets, zsets, streams). */
async function dumpRedis(
  redis: Redis,
  prefix: string,
): Promise<Array<{ key: string; field?: string; text: string }>> {
  const entries: Array<{ key: string; field?: string; text: string }> = [];
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  for (const key of keys) {
    const type = await redis.type(key);
    const latin1 = (value: Buffer) => value.toString('latin1') + value.toString('utf8');
    if (type === 'string') {
      const value = await redis.getBuffer(key);
      if (value) entries.push({ key, text: latin1(value) });
    } else if (type === 'hash') {
      const value = await redis.hgetallBuffer(key);
      for (const [field, text] of Object.entries(value))
        entries.push({ key, field, text: latin1(text) });
    } else if (type === 'list') {
      for (const item of await redis.lrangeBuffer(key, 0, -1))
        entries.push({ key, text: latin1(item) });
    } else if (type === 'set') {
      for (const item of await redis.smembersBuffer(key)) entries.push({ key, text: latin1(item) });
    } else if (type === 'zset') {
      for (const item of await redis.zrangeBuffer(key, 0, -1))
        entries.push({ key, text: latin1(item) });
    } else if (type === 'stream') {
      for (const [id, fields] of await redis.xrangeBuffer(key, '-', '+')) {
        entries.push({ key, field: id.toString(), text: fields.map(latin1).join(' ') });
      }
    }
    entries.push({ key, field: '(key name)', text: key });
  }
  return entries;
}

interface TaskBody {
  readonly status: string;
}

describe('secrets and prompts after real traffic, failures and operator commands', () => {
  let cluster: ApiCluster;
  let api: string;
  let user: Record<string, string>;
  let userKey: string;
  let operatorKey: string;
  let subscriber: Redis;
  let redis: Redis;
  const published: string[] = [];
  const bodies: Array<{ where: string; text: string }> = [];
  const cli: Array<{ args: string[]; result: CliProcessResult }> = [];

  async function call(path: string, init: RequestInit = {}, headers = user): Promise<Response> {
    const response = await fetch(api + path, {
      ...init,
      headers: { ...headers, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await response.clone().text();
    bodies.push({ where: `${init.method ?? 'GET'} ${path} → ${response.status}`, text });
    return response;
  }

  async function submit(path: string, body: unknown): Promise<string> {
    const response = await call(path, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }

  async function settled(taskId: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = (await (await call(`/api/tasks/${taskId}`)).json()) as TaskBody;
      if (!['pending', 'processing'].includes(task.status)) return task.status;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const prompt = (text: string) => [{ role: 'user', content: `${MARKER} ${text}` }];

  beforeAll(async () => {
    cluster = await startApiCluster({
      workerCount: 1,
      env: {
        ...PROVIDER_KEYS,
        LOG_LEVEL: 'debug',
        GENERATE_TIMEOUT_MS: '4000',
        RETRY_BASE_DELAY_MS: '50',
        RETRY_MAX_DELAY_MS: '200',
        RATE_LIMIT_STANDARD_PER_MINUTE: '1000',
        RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000',
      },
    });
    api = cluster.apis[0] ?? '';
    user = await cluster.keyFor('scan-user');
    userKey = (user['authorization'] ?? '').replace('Bearer ', '');
    operatorKey = ((await cluster.keyFor('scan-ops', 'operator'))['authorization'] ?? '').replace(
      'Bearer ',
      '',
    );
    subscriber = createRedisConnection({ url: cluster.redisUrl, role: 'worker' });
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) =>
      published.push(`${channel} ${message}`),
    );
    await subscriber.psubscribe(`${cluster.prefix}*`);
    redis = createRedisConnection({ url: cluster.redisUrl, role: 'producer' });
  }, 60_000);
  afterAll(async () => {
    subscriber.disconnect();
    redis.disconnect();
    await cluster.close();
  });

  it('should run the traffic: streams, polls, /v1, background tasks and failures', async () => {
    // Generate, streamed (SSE) and not.
    const streamed = await call('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5.6-sol', messages: prompt('streamed') }),
    });
    expect(streamed.status).toBe(200);
    const events = parseSse(await streamed.text());
    expect(events.at(-1)?.event).toBe('done');
    const polled = await submit('/api/ai/generate', {
      model: 'claude-sonnet-5-5',
      prompt: `${MARKER} polled`,
      stream: false,
    });
    expect(await settled(polled)).toBe('completed');

    // /v1, streamed and not.
    const completion = await call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5.6-sol', messages: prompt('v1') }),
    });
    expect(completion.status).toBe(200);
    const chunks = await call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5.6-sol', messages: prompt('v1 stream'), stream: true }),
    });
    expect(chunks.status).toBe(200);

    // Background tasks: a generation and a document analysis.
    const background = await submit('/api/ai/background-task', {
      type: 'ai_background_generation',
      input: { model: 'gpt-5.6-sol', messages: prompt('background') },
    });
    const document = await submit('/api/ai/background-task', {
      type: 'ai_analyze_document',
      input: { model: 'claude-sonnet-5-5', document: `${MARKER} ${'words '.repeat(50)}` },
    });

    // Failures: the bad DeepSeek key (401), 429s then success, a hang past the deadline.
    const badKey = await submit('/api/ai/generate', {
      model: 'deepseek-chat',
      messages: prompt('bad key'),
      stream: false,
      fallback: false,
    });
    cluster.mock.addScenario({
      provider: 'anthropic',
      fault: 'rate_limit retry_after=1',
      count: 2,
    });
    const limited = await submit('/api/ai/generate', {
      model: 'claude-sonnet-5-5',
      messages: prompt('rate limited'),
      stream: false,
      fallback: false,
    });
    const hung = await submit('/api/ai/generate', {
      model: 'gpt-5.6-sol',
      messages: prompt('hang [[mock hang]]'),
      stream: false,
      fallback: false,
    });
    const exhausted = await submit('/api/ai/generate', {
      model: 'gpt-5.6-sol',
      messages: prompt('server errors [[mock 500]]'),
      stream: false,
      fallback: false,
    });

    expect(await settled(background)).toBe('completed');
    expect(await settled(document)).toBe('completed');
    expect(await settled(badKey)).toBe('failed');
    expect(await settled(limited)).toBe('completed');
    expect(await settled(hung)).toBe('timeout');
    expect(await settled(exhausted)).toBe('failed');

    // Refusals whose bodies must not echo the prompt or the key.
    await call('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'no-such-model', prompt: MARKER }),
    });
    await call('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5.6-sol', prompt: MARKER, temperature: MARKER }),
    });
    await call('/api/tasks', {}, { authorization: `Bearer ${userKey}x` });
    await call('/api/admin/providers', {}, user);

    // Operator actions through the CLI, as its own process.
    const env = {
      REDIS_URL: cluster.redisUrl,
      QUEUE_PREFIX: cluster.prefix,
      DATABASE_URL: cluster.databaseUrl,
      AIQ_API_URL: api,
      AIQ_API_KEY: operatorKey,
      ...PROVIDER_KEYS,
      OPENAI_BASE_URL: cluster.mock.baseUrls.openai,
      ANTHROPIC_BASE_URL: cluster.mock.baseUrls.anthropic,
      DEEPSEEK_BASE_URL: cluster.mock.baseUrls.deepseek,
    };
    // Side by side: each its own process, as operators in several terminals.
    const commands = [
      ['dlq', 'list', '--json'],
      ['dlq', 'show', badKey],
      ['tasks', 'show', hung, '--json'],
      ['retry', exhausted],
      ['doctor'],
      ['status', '--json'],
      ['notice', 'set', 'maintenance'],
    ];
    for (const [index, result] of (
      await Promise.all(commands.map((args) => runCliProcess(args, env)))
    ).entries()) {
      cli.push({ args: commands[index] ?? [], result });
    }
    // Each command ran (doctor exits 1: the DeepSeek key is bad), so its output is worth a scan.
    expect(cli.map(({ args, result }) => `${args.join(' ')}: ${result.code}`)).toEqual(
      cli.map(({ args }) => `${args.join(' ')}: ${args[0] === 'doctor' ? 1 : 0}`),
    );
    expect(await settled(exhausted)).toBe('failed');
  }, 120_000);

  it('should find the provider keys and aiq keys nowhere', async () => {
    const secrets = [
      ...Object.values(PROVIDER_KEYS),
      userKey,
      operatorKey,
      // The part after the displayed prefix (`key_prefix`): the secret itself.
      userKey.slice(12),
      operatorKey.slice(12),
    ];
    const findings: Finding[] = [
      ...findIn('process output (API, worker)', cluster.output(), secrets),
      ...bodies.flatMap(({ where, text }) => findIn(`HTTP ${where}`, text, secrets)),
      ...cli.flatMap(({ args, result }) =>
        findIn(`aiq ${args.join(' ')}`, result.out + result.err, secrets),
      ),
      ...published.flatMap((message) => findIn('pub/sub', message, secrets)),
      ...(await dumpRedis(redis, cluster.prefix)).flatMap(({ key, field, text }) =>
        findIn(`redis ${key} ${field ?? ''}`, text, secrets),
      ),
      ...(await dumpDatabase(cluster)).flatMap(({ column, text }) =>
        findIn(`postgres ${column}`, text, secrets),
      ),
    ];
    expect(findings).toEqual([]);
  });

  it('should find the prompt marker only where prompts are meant to live', async () => {
    const redisEntries = await dumpRedis(redis, cluster.prefix);
    const rows = await dumpDatabase(cluster);
    const findings: Finding[] = [
      ...findIn('process output (API, worker)', cluster.output(), [MARKER]),
      ...bodies.flatMap(({ where, text }) => findIn(`HTTP ${where}`, text, [MARKER])),
      ...cli.flatMap(({ args, result }) =>
        findIn(`aiq ${args.join(' ')}`, result.out + result.err, [MARKER]),
      ),
      ...published.flatMap((message) => findIn('pub/sub', message, [MARKER])),
      ...redisEntries
        .filter(({ key, field }) => !promptMayLiveInRedis(key, field, cluster.prefix))
        .flatMap(({ key, field, text }) => findIn(`redis ${key} ${field ?? ''}`, text, [MARKER])),
      ...rows
        .filter(({ column }) => !PROMPT_COLUMNS.has(column))
        .flatMap(({ column, text }) => findIn(`postgres ${column}`, text, [MARKER])),
    ];
    expect(findings).toEqual([]);
    // And the ledger does hold them: the scan can fail.
    const promptColumns = new Set(
      rows.filter(({ text }) => text.includes(MARKER)).map(({ column }) => column),
    );
    expect([...promptColumns].sort()).toEqual([...PROMPT_COLUMNS].sort());
  });
});

/** Every column of every row of every table in the cluster's database, as text. */
async function dumpDatabase(cluster: ApiCluster): Promise<Array<{ column: string; text: string }>> {
  const tables = await cluster.database.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const cells: Array<{ column: string; text: string }> = [];
  for (const { name } of tables) {
    const table = name.replace(/^public\./, '');
    const quoted = name
      .split('.')
      .map((part) => `"${part}"`)
      .join('.');
    const rows = await cluster.database.query<Record<string, unknown>>(`SELECT * FROM ${quoted}`);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        cells.push({ column: `${table}.${column}`, text: JSON.stringify(value) ?? '' });
      }
    }
  }
  return cells;
}
