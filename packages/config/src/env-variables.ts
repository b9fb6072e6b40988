import { z } from 'zod';

/** What an environment variable means, beside its schema. */
export interface EnvVariable<S extends z.ZodType = z.ZodType> {
  /** Parses the raw string; carries the default, so docs and parsing cannot disagree. */
  readonly schema: S;
  /** Completes "NAME: expected …" in the one-line start-up error. Never mentions the received value. */
  readonly expected: string;
  /** One sentence for the README configuration table. */
  readonly description: string;
  /** Secret values are never printed and are redacted from every log. */
  readonly secret: boolean;
}

function variable<S extends z.ZodType>(
  schema: S,
  expected: string,
  description: string,
  { secret = false }: { secret?: boolean } = {},
): EnvVariable<S> {
  return { schema, expected, description, secret };
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const urlWithProtocols = (protocols: readonly string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  });

const httpUrl = urlWithProtocols(['http', 'https']);

/** The entries of a comma-separated list, trimmed, without empty ones. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`: no path, no trailing slash. */
function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
const nonEmpty = z.string().min(1);
const port = integer(0, 65535);
const milliseconds = integer(1, 86_400_000);
const perMinute = integer(1, 1_000_000);
const PORT = 'an integer from 0 to 65535';
const MILLISECONDS = 'milliseconds, an integer from 1 to 86400000';
const PER_MINUTE = 'an integer from 1 to 1000000';
const tokensPerMinute = integer(0, 1_000_000_000);
const TOKENS_PER_MINUTE = 'an integer from 0 to 1000000000';
const SECONDS = 'seconds, an integer from 0 to 31536000';
const COUNT = 'an integer from 0 to 10000000';

/**
 * Every environment variable aiq reads. This table is the single source for parsing,
 * start-up errors, secret redaction and the README's configuration table.
 */
export const envVariables = {
  NODE_ENV: variable(
    z.enum(['development', 'production', 'test']).default('development'),
    'one of development, production, test',
    'Runtime mode; in production `pnpm start` creates no development API key.',
  ),
  LOG_LEVEL: variable(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'one of fatal, error, warn, info, debug, trace, silent',
    'pino log level.',
  ),
  DATA_DIR: variable(
    nonEmpty.default('./.data'),
    'a directory path',
    'Where the embedded defaults keep their data (PGlite, and a Redis that `pnpm start` starts).',
  ),
  REDIS_URL: variable(
    urlWithProtocols(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
    'a redis:// or rediss:// URL',
    'Redis for the queues, pub/sub, rate limits and the circuit breaker.',
    { secret: true },
  ),
  QUEUE_PREFIX: variable(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('aiq'),
    'letters, digits, "_" or "-"',
    'BullMQ key prefix; processes with the same prefix share queues.',
  ),
  REDIS_CLUSTER: variable(
    z.enum(['true', 'false']).default('false'),
    'true or false',
    'REDIS_URL is one node of a Redis Cluster: every client connects in cluster mode and every key aiq keeps is named `{QUEUE_PREFIX}:…`, one hash tag, so its Lua scripts and transactions stay in one slot (README "Scaling out: a Redis Cluster").',
  ),
  REDIS_CLUSTER_NODES: variable(
    z
      .string()
      .refine((value) => splitList(value).every((node) => /^[^\s:,/]+:\d{1,5}$/.test(node)))
      .optional(),
    'a comma-separated list of host:port',
    "More seed nodes of the Redis Cluster besides REDIS_URL's (REDIS_CLUSTER=true), so a process starts while that one node is down; credentials and TLS come from REDIS_URL.",
  ),
  DATABASE_URL: variable(
    urlWithProtocols(['postgres', 'postgresql']).optional(),
    'a postgres:// or postgresql:// URL',
    'PostgreSQL for the ledger. Unset: embedded PGlite under DATA_DIR/pglite.',
    { secret: true },
  ),
  DATABASE_POOL_SIZE: variable(
    integer(1, 100).default(10),
    'an integer from 1 to 100',
    'Connections per process to DATABASE_URL.',
  ),
  API_HOST: variable(
    nonEmpty.default('127.0.0.1'),
    'a host name or IP address',
    'Address the API listens on (0.0.0.0 in containers).',
  ),
  API_PORT: variable(port.default(3000), PORT, 'Port the API listens on.'),
  API_MAX_BODY_BYTES: variable(
    integer(1024, 67_108_864).default(1_048_576),
    'an integer from 1024 to 67108864',
    'Largest request body the API accepts; larger ones get 413.',
  ),
  CORS_ORIGINS: variable(
    z
      .string()
      .refine((value) => splitList(value).every(isWebOrigin))
      .optional(),
    'a comma-separated list of origins such as https://app.example.com',
    'Browser origins allowed to call /api and /v1 (CORS, comma-separated); unset: none.',
  ),
  BULL_BOARD_READ_ONLY: variable(
    z.enum(['true', 'false']).default('false'),
    'true or false',
    'Bull Board (/admin/queues) only shows queues: no retry, remove, clean, pause or add (403 read_only).',
  ),
  AIQ_API_URL: variable(
    httpUrl.default('http://127.0.0.1:3000'),
    'an http(s) URL',
    'Base URL of the aiq API that `aiq provider disable`, `enable` and `aiq notice set`, `clear` call.',
  ),
  AIQ_API_KEY: variable(
    nonEmpty.optional(),
    'a non-empty string',
    'Operator API key (`aiq keys create --role operator`) the CLI sends to the admin API.',
    { secret: true },
  ),
  WORKER_METRICS_PORT: variable(
    port.optional(),
    PORT,
    'Port of the worker health and metrics endpoint. Unset: 9464, or the next free port when another worker on the host has it (logged). Set: that port or a one-line error (0 picks a free port).',
  ),
  WORKER_CONCURRENCY: variable(
    integer(1, 1000).default(32),
    'an integer from 1 to 1000',
    'Jobs one worker process runs at once per queue. Provider calls wait on I/O: at the pace of a chat model, 8 held one worker to 5.5 tasks/s, 32 gave 21 tasks/s on less CPU per task (bench/results/concurrency.md).',
  ),
  WORKER_ROLES: variable(
    z
      .string()
      .regex(
        /^(generation|background|dead-letter|maintenance)(,(generation|background|dead-letter|maintenance))*$/,
      )
      .default('generation,background,dead-letter,maintenance'),
    'a comma-separated list of generation, background, dead-letter, maintenance',
    'Queues this worker process consumes; split roles across processes to isolate them.',
  ),
  WORKER_BACKGROUND_CONCURRENCY: variable(
    integer(1, 1000).default(2),
    'an integer from 1 to 1000',
    'Background tasks one worker process runs at once.',
  ),
  WORKER_SHUTDOWN_GRACE_MS: variable(
    milliseconds.default(25_000),
    MILLISECONDS,
    'On SIGTERM, how long active jobs may finish before they are handed back to the queue.',
  ),
  WORKER_LOCK_DURATION_MS: variable(
    milliseconds.default(30_000),
    MILLISECONDS,
    "How long a job's lock lives without renewal; a killed worker's jobs are recovered after it.",
  ),
  WORKER_STALLED_INTERVAL_MS: variable(
    milliseconds.default(30_000),
    MILLISECONDS,
    'How often each worker looks for stalled jobs of killed workers.',
  ),
  WORKER_MAX_STALLED_COUNT: variable(
    integer(0, 100).default(2),
    'an integer from 0 to 100',
    'Worker crashes a job survives before it fails.',
  ),
  RECONCILE_INTERVAL_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'How often the reconciler re-enqueues tasks the ledger holds but Redis lost.',
  ),
  RECONCILE_GRACE_MS: variable(
    milliseconds.default(30_000),
    MILLISECONDS,
    'Tasks updated more recently than this are left to their worker by the reconciler.',
  ),
  LEDGER_MAX_BUFFERED: variable(
    integer(100, 10_000_000).default(100_000),
    'an integer from 100 to 10000000',
    'Ledger writes held in the Redis outbox while Postgres is unreachable; beyond it the oldest are dropped, counted and logged.',
  ),
  LEDGER_MAX_BUFFERED_BYTES: variable(
    integer(1_048_576, 68_719_476_736).default(134_217_728),
    'an integer from 1048576 to 68719476736',
    'Redis memory the ledger outbox may take (it holds prompts and responses) before the oldest writes are dropped, counted and logged.',
  ),
  JOBS_KEEP_COMPLETED_SECONDS: variable(
    integer(0, 31_536_000).default(3_600),
    SECONDS,
    'How long a completed job stays in Redis (Bull Board, re-submits); its result lives in Postgres.',
  ),
  JOBS_KEEP_COMPLETED_COUNT: variable(
    integer(0, 10_000_000).default(10_000),
    COUNT,
    'Most completed jobs kept per queue, whatever their age.',
  ),
  JOBS_KEEP_FAILED_SECONDS: variable(
    integer(0, 31_536_000).default(604_800),
    SECONDS,
    'How long a failed job stays in Redis for inspection in Bull Board.',
  ),
  JOBS_KEEP_FAILED_COUNT: variable(
    integer(0, 10_000_000).default(10_000),
    COUNT,
    'Most failed jobs kept per queue, whatever their age.',
  ),
  DEAD_LETTER_KEEP_SECONDS: variable(
    integer(0, 31_536_000).default(2_592_000),
    SECONDS,
    'How long a dead-letter entry (payload and every error) stays in Redis for `aiq dlq` inspection and replay; older tasks can still be retried by id.',
  ),
  DEAD_LETTER_KEEP_COUNT: variable(
    integer(0, 10_000_000).default(10_000),
    COUNT,
    'Most dead-letter entries kept, whatever their age.',
  ),
  PROMPT_RETENTION_DAYS: variable(
    integer(1, 36_500).optional(),
    'an integer from 1 to 36500',
    'Days the ledger keeps prompts and responses; older ones are erased (tokens, cost, status and errors stay). Unset: kept forever.',
  ),
  SENTRY_DSN: variable(
    httpUrl.optional(),
    'a Sentry DSN, an http(s) URL',
    'Report unexpected errors (API 5xx, worker internal_error failures, unhandled rejections) to Sentry, with the same redaction as the logs. Unset: nothing is sent.',
    { secret: true },
  ),
  LOST_VALUE_PER_FAILED_REQUEST_USD: variable(
    z.coerce.number().min(0).max(1_000).default(0.1),
    'a number of US dollars from 0 to 1000',
    "What one failed request is worth, for `aiq status`'s estimated lost value (the runbook's figure is $0.10).",
  ),
  TOKEN_USAGE_CHECK_INTERVAL_MS: variable(
    milliseconds.default(86_400_000),
    MILLISECONDS,
    "How often one worker of the fleet sums the last day's tokens (the runbook's daily token-usage check).",
  ),
  TOKEN_USAGE_DAILY_THRESHOLD: variable(
    integer(1, 1_000_000_000_000).default(1_000_000),
    'an integer from 1 to 1000000000000',
    "Tokens in the last day at which the check sends `pg_notify('high_token_usage', total)` and posts to ALERT_WEBHOOK_URL (the runbook's 1,000,000).",
  ),
  ALERT_WEBHOOK_URL: variable(
    httpUrl.optional(),
    'an http or https URL',
    'Where the daily token-usage check POSTs a small JSON alert when usage reaches TOKEN_USAGE_DAILY_THRESHOLD. Unset: no post.',
    { secret: true },
  ),
  RETENTION_SWEEP_INTERVAL_MS: variable(
    milliseconds.default(3_600_000),
    MILLISECONDS,
    'How often one worker of the fleet trims old jobs and dead letters and erases prompts past PROMPT_RETENTION_DAYS.',
  ),
  EVENTS_REPLAY_MAX: variable(
    integer(10, 1_000_000).default(10_000),
    'an integer from 10 to 1000000',
    'Events kept per task for SSE replay (Last-Event-ID).',
  ),
  EVENTS_REPLAY_TTL_SECONDS: variable(
    integer(1, 604_800).default(3_600),
    'an integer from 1 to 604800',
    "How long a task's replay log lives after its last event.",
  ),
  SSE_MAX_STREAMS_PER_USER: variable(
    integer(1, 100_000).default(20),
    'an integer from 1 to 100000',
    'Event streams (`/api/tasks/:id/events`) one user may hold open at once, across all API processes; beyond it 429 too_many_streams.',
  ),
  SSE_OPENS_PER_MINUTE: variable(
    perMinute.default(60),
    PER_MINUTE,
    'Per-user limit on opening event streams, reconnects included; beyond it 429 rate_limited.',
  ),
  SSE_SLOT_LEASE_MS: variable(
    integer(1_000, 3_600_000).default(30_000),
    'milliseconds, an integer from 1000 to 3600000',
    "Lease of an open stream's slot, refreshed while it is open: a crashed API process's slots free themselves after it.",
  ),
  SSE_REPLAY_PAGE_SIZE: variable(
    integer(1, 100_000).default(500),
    'an integer from 1 to 100000',
    'Events read from the replay log per Redis call when a stream replays (a page, never the whole log).',
  ),
  SSE_STREAM_TOKEN_GRACE_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    "How long a stream token still reopens its task's stream (EventSource reconnect) after the last stream opened with it closed.",
  ),
  OPENAI_API_KEY: variable(nonEmpty.optional(), 'a non-empty string', 'OpenAI API key.', {
    secret: true,
  }),
  OPENAI_BASE_URL: variable(
    httpUrl.default('https://api.openai.com/v1'),
    'an http(s) URL',
    'OpenAI API base URL.',
  ),
  OPENAI_CONCURRENCY: variable(
    integer(1, 1000).optional(),
    'an integer from 1 to 1000',
    'OpenAI queue jobs one worker process runs at once; unset: WORKER_CONCURRENCY.',
  ),
  OPENAI_REQUESTS_PER_MINUTE: variable(
    perMinute.default(500),
    PER_MINUTE,
    'Requests per minute to OpenAI, across all workers.',
  ),
  OPENAI_TOKENS_PER_MINUTE: variable(
    tokensPerMinute.default(0),
    TOKENS_PER_MINUTE,
    'Tokens per token-budget window (prompt + max output reserved per call, settled to real usage) to OpenAI per API key, across all workers and API processes; 0: no budget.',
  ),
  ANTHROPIC_API_KEY: variable(nonEmpty.optional(), 'a non-empty string', 'Anthropic API key.', {
    secret: true,
  }),
  ANTHROPIC_BASE_URL: variable(
    httpUrl.default('https://api.anthropic.com'),
    'an http(s) URL',
    'Anthropic API base URL.',
  ),
  ANTHROPIC_CONCURRENCY: variable(
    integer(1, 1000).optional(),
    'an integer from 1 to 1000',
    'Anthropic queue jobs one worker process runs at once; unset: WORKER_CONCURRENCY.',
  ),
  ANTHROPIC_REQUESTS_PER_MINUTE: variable(
    perMinute.default(50),
    PER_MINUTE,
    'Requests per minute to Anthropic, across all workers.',
  ),
  ANTHROPIC_TOKENS_PER_MINUTE: variable(
    tokensPerMinute.default(0),
    TOKENS_PER_MINUTE,
    'Tokens per token-budget window (prompt + max output reserved per call, settled to real usage) to Anthropic per API key, across all workers and API processes; 0: no budget.',
  ),
  DEEPSEEK_API_KEY: variable(nonEmpty.optional(), 'a non-empty string', 'DeepSeek API key.', {
    secret: true,
  }),
  DEEPSEEK_BASE_URL: variable(
    httpUrl.default('https://api.deepseek.com'),
    'an http(s) URL',
    'DeepSeek API base URL.',
  ),
  DEEPSEEK_CONCURRENCY: variable(
    integer(1, 1000).optional(),
    'an integer from 1 to 1000',
    'DeepSeek queue jobs one worker process runs at once; unset: WORKER_CONCURRENCY.',
  ),
  DEEPSEEK_REQUESTS_PER_MINUTE: variable(
    perMinute.default(60),
    PER_MINUTE,
    'Requests per minute to DeepSeek, across all workers.',
  ),
  DEEPSEEK_TOKENS_PER_MINUTE: variable(
    tokensPerMinute.default(0),
    TOKENS_PER_MINUTE,
    'Tokens per token-budget window (prompt + max output reserved per call, settled to real usage) to DeepSeek per API key, across all workers and API processes; 0: no budget.',
  ),
  TOKEN_BUDGET_WINDOW_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'The sliding window of the *_TOKENS_PER_MINUTE budgets: in any window of this length the tokens reserved never exceed the budget (tests shorten it).',
  ),
  PROVIDER_PACING_THRESHOLD: variable(
    z.coerce.number().min(0).max(1).default(0.1),
    'a number from 0 to 1',
    "When a provider's rate-limit headers report less than this fraction of a limit remaining, calls to it are spaced out over the time to the reported reset; 0: wait only when the reported remaining cannot cover the call.",
  ),
  MODELS_FILE: variable(
    nonEmpty.optional(),
    'a path to a JSON file',
    'Extra or overriding entries for the model registry.',
  ),
  RETIRED_MODELS: variable(
    z.enum(['substitute', 'refuse']).default('substitute'),
    'one of substitute, refuse',
    "A request for a model past its end of life: substitute runs it on the registry's successor and records both models; refuse answers 400 model_retired naming the successor.",
  ),
  MODELS_AS_OF: variable(
    z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    'a date (YYYY-MM-DD) or an ISO 8601 time with a zone',
    'Judge model end of life as of this time instead of now, to rehearse a retirement in staging; unset in production.',
  ),
  RATE_LIMIT_STANDARD_PER_MINUTE: variable(
    perMinute.default(10),
    PER_MINUTE,
    'Per-user limit on generation requests (runbook: 10/min).',
  ),
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: variable(
    perMinute.default(5),
    PER_MINUTE,
    'Per-user limit on background tasks (runbook: 5/min).',
  ),
  ENSEMBLE_RATE_LIMIT_PER_MINUTE: variable(
    perMinute.default(5),
    PER_MINUTE,
    'Per-user limit on ensembles (POST /api/ai/ensemble), a budget of its own: each one is a provider call per model (runbook: 5/min, as expensive requests).',
  ),
  GENERATE_TIMEOUT_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'Timeout of each attempt of a generation task. The task deadline is (this + the longest backoff) × attempts, and a fallback model runs in what is left of it (runbook: 60 s).',
  ),
  ENSEMBLE_TIMEOUT_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'Deadline of an ensemble task per attempt of its candidates, which retry as generations do (runbook: 60 s).',
  ),
  BACKGROUND_TIMEOUT_MS: variable(
    milliseconds.default(300_000),
    MILLISECONDS,
    'Timeout of each attempt of a background task. The task deadline is (this + the longest backoff) × attempts (runbook: 300 s).',
  ),
  RETRY_ATTEMPTS: variable(
    integer(1, 100).default(3),
    'an integer from 1 to 100',
    'Attempts per job before it moves to the dead-letter queue (runbook: 3); GENERATE_/BACKGROUND_ variants override it per job type.',
  ),
  RETRY_BASE_DELAY_MS: variable(
    milliseconds.default(1_000),
    MILLISECONDS,
    'First retry delay; doubles each attempt, with full jitter (runbook: 1 s).',
  ),
  RETRY_MAX_DELAY_MS: variable(
    milliseconds.default(10_000),
    MILLISECONDS,
    'Cap on the retry delay (runbook: 10 s).',
  ),
  GENERATE_RETRY_ATTEMPTS: variable(
    integer(1, 100).optional(),
    'an integer from 1 to 100',
    'Attempts of a generation job; unset: RETRY_ATTEMPTS.',
  ),
  GENERATE_RETRY_BASE_DELAY_MS: variable(
    milliseconds.optional(),
    MILLISECONDS,
    'First retry delay of a generation job; unset: RETRY_BASE_DELAY_MS.',
  ),
  GENERATE_RETRY_MAX_DELAY_MS: variable(
    milliseconds.optional(),
    MILLISECONDS,
    'Retry delay cap of a generation job; unset: RETRY_MAX_DELAY_MS.',
  ),
  BACKGROUND_RETRY_ATTEMPTS: variable(
    integer(1, 100).optional(),
    'an integer from 1 to 100',
    'Attempts of a background task; unset: RETRY_ATTEMPTS.',
  ),
  BACKGROUND_RETRY_BASE_DELAY_MS: variable(
    milliseconds.optional(),
    MILLISECONDS,
    'First retry delay of a background task; unset: RETRY_BASE_DELAY_MS.',
  ),
  BACKGROUND_RETRY_MAX_DELAY_MS: variable(
    milliseconds.optional(),
    MILLISECONDS,
    'Retry delay cap of a background task; unset: RETRY_MAX_DELAY_MS.',
  ),
  RETRY_AFTER_MAX_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    "Longest a provider's retry-after may hold its calls; a longer one is cut to this (60 s).",
  ),
  RESPONSE_CACHE_TTL_MS: variable(
    integer(0, 2_592_000_000).default(3_600_000),
    'milliseconds, an integer from 0 to 2592000000 (30 days)',
    'How long a generation answer stays in the response cache (1 h); 0 turns the cache off. Used for `cache: true` requests and by default at temperature 0.',
  ),
  ANALYZE_MAX_CHUNKS: variable(
    integer(1, 10_000).default(64),
    'an integer from 1 to 10000',
    'Most chunks (map calls) one ai_analyze_document task may make; a larger document gets 400 too_many_chunks.',
  ),
  CIRCUIT_FAILURE_THRESHOLD: variable(
    integer(1, 1000).default(5),
    'an integer from 1 to 1000',
    'Consecutive outage failures that open a provider circuit (runbook: 5).',
  ),
  CIRCUIT_RESET_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'How long an open circuit waits before a half-open probe (runbook: 60 s).',
  ),
  CIRCUIT_MAX_RESET_MS: variable(
    milliseconds.default(600_000),
    MILLISECONDS,
    'Cap of the open time, which doubles each time a half-open probe fails; at least CIRCUIT_RESET_MS.',
  ),
  CIRCUIT_WINDOW_MS: variable(
    milliseconds.default(60_000),
    MILLISECONDS,
    'Sliding window over which a circuit judges its error rate.',
  ),
  CIRCUIT_ERROR_RATE_PERCENT: variable(
    integer(1, 100).default(50),
    'an integer from 1 to 100',
    'Share of outage failures among the calls of the window that opens a circuit.',
  ),
  CIRCUIT_MIN_REQUESTS: variable(
    integer(1, 1_000_000).default(20),
    'an integer from 1 to 1000000',
    'Fewest calls in the window before the error rate may open a circuit.',
  ),
  CIRCUIT_HALF_OPEN_PROBES: variable(
    integer(1, 100).default(1),
    'an integer from 1 to 100',
    'Probe calls a half-open circuit lets through at once; one process wins each slot.',
  ),
  CIRCUIT_PROBE_LEASE_MS: variable(
    milliseconds.default(30_000),
    MILLISECONDS,
    "How long a probe slot stays taken without an outcome, so a crashed prober's slot frees itself.",
  ),
} as const satisfies Record<string, EnvVariable>;

export type EnvVariableName = keyof typeof envVariables;

/** Names of the variables whose values are secrets. */
export const secretVariableNames: readonly EnvVariableName[] = (
  Object.keys(envVariables) as EnvVariableName[]
).filter((name) => envVariables[name].secret);
