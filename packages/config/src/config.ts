import path from 'node:path';
import { parseEnv, type Env } from './env.js';
import { splitList } from './env-variables.js';

export type ProviderName = 'openai' | 'anthropic' | 'deepseek';

/** How one provider is reached. */
export interface ProviderConfig {
  /** Absent when no key is configured; the start script then points the provider at mock-llm. */
  readonly apiKey: string | undefined;
  readonly baseUrl: string;
  /** Requests per minute across every worker, enforced by the provider queue's rate limiter. */
  readonly requestsPerMinute: number;
  /**
   * Tokens per {@link Config.budgets} window to this provider per API key, across every process
   * (`@aiq/budgets`); undefined: no token budget.
   */
  readonly tokensPerMinute: number | undefined;
}

/** How a job type retries: attempts, then full-jitter backoff from the base delay up to the cap. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** A job type with its own deadline and retry policy. */
export type JobKind = keyof Config['retry'];

/** How long, and how many, jobs of one kind Redis keeps (BullMQ's `removeOnComplete`/`removeOnFail`). */
interface KeepJobs {
  readonly ageSeconds: number;
  readonly count: number;
}

/** Which queues a worker process consumes. */
export type WorkerRole = 'generation' | 'background' | 'dead-letter' | 'maintenance';

export type DatabaseConfig =
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
  | { readonly kind: 'pglite'; readonly dataDir: string };

/** The whole configuration, grouped by concern. Built once per process by {@link loadConfig}. */
export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  /** Where unexpected errors are reported (`SENTRY_DSN`, a secret); undefined: nowhere. */
  readonly sentryDsn: string | undefined;
  readonly dataDir: string;
  readonly redis: {
    readonly url: string;
    /** Connect in cluster mode, REDIS_URL being one node of the cluster (`REDIS_CLUSTER`). */
    readonly cluster: boolean;
    /** More seed nodes of the cluster, `host:port` (`REDIS_CLUSTER_NODES`); empty if none. */
    readonly clusterNodes: readonly string[];
    /** Starts every key aiq keeps; on a cluster a hash tag, `{QUEUE_PREFIX}` (see {@link redisKeyPrefix}). */
    readonly prefix: string;
  };
  readonly database: DatabaseConfig;
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    /** Browser origins allowed by CORS; empty: no CORS headers at all. */
    readonly corsOrigins: readonly string[];
    /** Bull Board shows queues but refuses every change (`BULL_BOARD_READ_ONLY`). */
    readonly bullBoardReadOnly: boolean;
  };
  /** How the CLI reaches the admin API (`AIQ_API_URL`, `AIQ_API_KEY`); the key is a secret. */
  readonly cli: { readonly apiUrl: string; readonly apiKey: string | undefined };
  readonly worker: {
    /**
     * The health and metrics endpoint's port as set (`WORKER_METRICS_PORT`); undefined when
     * unset, and the worker then takes its default or, if that is in use, a free one.
     */
    readonly metricsPort: number | undefined;
    /** Jobs per provider queue per process. */
    readonly concurrency: number;
    /** Provider queues whose concurrency differs from `concurrency`. */
    readonly providerConcurrency: Readonly<Partial<Record<ProviderName, number>>>;
    readonly roles: readonly WorkerRole[];
    readonly backgroundConcurrency: number;
    readonly shutdownGraceMs: number;
    readonly lockDurationMs: number;
    readonly stalledIntervalMs: number;
    readonly maxStalledCount: number;
    readonly reconcileIntervalMs: number;
    readonly reconcileGraceMs: number;
    readonly ledgerMaxBuffered: number;
    readonly ledgerMaxBufferedBytes: number;
  };
  /** What `aiq status` reports beside the ledger's counts. */
  readonly operations: {
    /** Estimated value lost per failed request, in USD (the runbook's $0.10). */
    readonly lostValuePerFailedRequestUsd: number;
    /** The daily token-usage check, a maintenance job (runbook Prevention §4). */
    readonly tokenUsage: {
      readonly checkIntervalMs: number;
      readonly dailyThreshold: number;
      /** Receives a JSON alert at or over the threshold; a secret (it often carries a token). */
      readonly alertWebhookUrl: string | undefined;
    };
  };
  /** What Redis and the ledger keep, and for how long (README "Retention"). */
  readonly retention: {
    readonly completedJobs: KeepJobs;
    readonly failedJobs: KeepJobs;
    readonly deadLetters: KeepJobs;
    /** Days prompts and responses stay in the ledger; undefined keeps them forever. */
    readonly promptDays: number | undefined;
    readonly sweepIntervalMs: number;
  };
  readonly events: { readonly replayMaxEvents: number; readonly replayTtlSeconds: number };
  /** Limits and leases of the API's event streams (SSE). */
  readonly sse: {
    readonly maxStreamsPerUser: number;
    readonly opensPerMinute: number;
    readonly slotLeaseMs: number;
    readonly replayPageSize: number;
    readonly streamTokenGraceMs: number;
  };
  readonly providers: Readonly<Record<ProviderName, ProviderConfig>>;
  readonly models: {
    /** Extra or overriding registry entries (`MODELS_FILE`). */
    readonly file: string | undefined;
    /** What a request for a model past its end of life gets. */
    readonly retired: 'substitute' | 'refuse';
    /** Epoch ms that end of life is judged at instead of now (`MODELS_AS_OF`); unset in production. */
    readonly asOf: number | undefined;
  };
  readonly rateLimits: {
    readonly standardPerMinute: number;
    readonly expensivePerMinute: number;
    /** `POST /api/ai/ensemble`, per user: its own budget (`ENSEMBLE_RATE_LIMIT_PER_MINUTE`). */
    readonly ensemblePerMinute: number;
  };
  readonly timeouts: {
    readonly generateMs: number;
    readonly ensembleMs: number;
    readonly backgroundMs: number;
  };
  /** Retry policy per job type (the runbook's default for both: 3 attempts, 1 s doubling to 10 s). */
  readonly retry: { readonly generate: RetryPolicy; readonly background: RetryPolicy };
  /** Provider retry-after holds, whatever the provider asks. */
  readonly retryAfter: { readonly maxMs: number };
  /**
   * The response cache of generations: answers kept this long (0: the cache is off).
   * @defaultValue 3600000 (1 h)
   */
  readonly responseCache: { readonly ttlMs: number };
  /** Token budgets and pacing from the providers' rate-limit headers (`@aiq/budgets`). */
  readonly budgets: {
    /** The sliding window of every provider's `tokensPerMinute`. */
    readonly windowMs: number;
    /** Fraction of a reported limit under which calls are spaced out until its reset. */
    readonly pacingThreshold: number;
  };
  /** Limits on what one task may cost. */
  readonly tasks: {
    /** Most chunks (map calls) of one `ai_analyze_document` task. */
    readonly analyzeMaxChunks: number;
  };
  /** Provider circuit breakers (`@aiq/routing`). */
  readonly circuit: {
    /** Consecutive outage failures that open a circuit. */
    readonly failureThreshold: number;
    /** First open time before a half-open probe. */
    readonly resetMs: number;
    /** Cap of the open time, which doubles after each failed probe. */
    readonly maxResetMs: number;
    /** Sliding window of the error-rate rule. */
    readonly windowMs: number;
    /** Error rate (percent of calls in the window) that opens a circuit. */
    readonly errorRatePercent: number;
    /** Calls the window needs before the error-rate rule applies. */
    readonly minRequests: number;
    /** Probe slots of a half-open circuit. */
    readonly halfOpenProbes: number;
    /** How long a probe slot is held without an outcome. */
    readonly probeLeaseMs: number;
  };
}

/** A bare `YYYY-MM-DD` as the start of that day in UTC, the way model end-of-life dates are read. */
function asUtcTime(dateOrTime: string): string {
  return dateOrTime.length === 10 ? `${dateOrTime}T00:00:00Z` : dateOrTime;
}

/**
 * The start of every key aiq keeps. On a cluster it is a hash tag: every key, BullMQ's and
 * aiq's own, then hashes to one slot, so multi-key Lua scripts and MULTI never fail CROSSSLOT.
 */
function redisKeyPrefix(queuePrefix: string, cluster: boolean): string {
  return cluster ? `{${queuePrefix}}` : queuePrefix;
}

/** Builds the grouped {@link Config} from a parsed environment. */
export function toConfig(env: Env): Config {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    sentryDsn: env.SENTRY_DSN,
    dataDir,
    redis: {
      url: env.REDIS_URL,
      cluster: env.REDIS_CLUSTER === 'true',
      clusterNodes: splitList(env.REDIS_CLUSTER_NODES ?? ''),
      prefix: redisKeyPrefix(env.QUEUE_PREFIX, env.REDIS_CLUSTER === 'true'),
    },
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      maxBodyBytes: env.API_MAX_BODY_BYTES,
      corsOrigins: splitList(env.CORS_ORIGINS ?? ''),
      bullBoardReadOnly: env.BULL_BOARD_READ_ONLY === 'true',
    },
    cli: { apiUrl: env.AIQ_API_URL, apiKey: env.AIQ_API_KEY },
    worker: {
      metricsPort: env.WORKER_METRICS_PORT,
      concurrency: env.WORKER_CONCURRENCY,
      providerConcurrency: Object.fromEntries(
        (
          [
            ['openai', env.OPENAI_CONCURRENCY],
            ['anthropic', env.ANTHROPIC_CONCURRENCY],
            ['deepseek', env.DEEPSEEK_CONCURRENCY],
          ] as const
        ).filter(([, value]) => value !== undefined),
      ),
      roles: env.WORKER_ROLES.split(',') as WorkerRole[],
      backgroundConcurrency: env.WORKER_BACKGROUND_CONCURRENCY,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: env.WORKER_MAX_STALLED_COUNT,
      reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
      reconcileGraceMs: env.RECONCILE_GRACE_MS,
      ledgerMaxBuffered: env.LEDGER_MAX_BUFFERED,
      ledgerMaxBufferedBytes: env.LEDGER_MAX_BUFFERED_BYTES,
    },
    operations: {
      lostValuePerFailedRequestUsd: env.LOST_VALUE_PER_FAILED_REQUEST_USD,
      tokenUsage: {
        checkIntervalMs: env.TOKEN_USAGE_CHECK_INTERVAL_MS,
        dailyThreshold: env.TOKEN_USAGE_DAILY_THRESHOLD,
        alertWebhookUrl: env.ALERT_WEBHOOK_URL,
      },
    },
    retention: {
      completedJobs: {
        ageSeconds: env.JOBS_KEEP_COMPLETED_SECONDS,
        count: env.JOBS_KEEP_COMPLETED_COUNT,
      },
      failedJobs: { ageSeconds: env.JOBS_KEEP_FAILED_SECONDS, count: env.JOBS_KEEP_FAILED_COUNT },
      deadLetters: { ageSeconds: env.DEAD_LETTER_KEEP_SECONDS, count: env.DEAD_LETTER_KEEP_COUNT },
      promptDays: env.PROMPT_RETENTION_DAYS,
      sweepIntervalMs: env.RETENTION_SWEEP_INTERVAL_MS,
    },
    events: {
      replayMaxEvents: env.EVENTS_REPLAY_MAX,
      replayTtlSeconds: env.EVENTS_REPLAY_TTL_SECONDS,
    },
    sse: {
      maxStreamsPerUser: env.SSE_MAX_STREAMS_PER_USER,
      opensPerMinute: env.SSE_OPENS_PER_MINUTE,
      slotLeaseMs: env.SSE_SLOT_LEASE_MS,
      replayPageSize: env.SSE_REPLAY_PAGE_SIZE,
      streamTokenGraceMs: env.SSE_STREAM_TOKEN_GRACE_MS,
    },
    providers: {
      openai: {
        apiKey: env.OPENAI_API_KEY,
        baseUrl: env.OPENAI_BASE_URL,
        requestsPerMinute: env.OPENAI_REQUESTS_PER_MINUTE,
        tokensPerMinute: env.OPENAI_TOKENS_PER_MINUTE || undefined,
      },
      anthropic: {
        apiKey: env.ANTHROPIC_API_KEY,
        baseUrl: env.ANTHROPIC_BASE_URL,
        requestsPerMinute: env.ANTHROPIC_REQUESTS_PER_MINUTE,
        tokensPerMinute: env.ANTHROPIC_TOKENS_PER_MINUTE || undefined,
      },
      deepseek: {
        apiKey: env.DEEPSEEK_API_KEY,
        baseUrl: env.DEEPSEEK_BASE_URL,
        requestsPerMinute: env.DEEPSEEK_REQUESTS_PER_MINUTE,
        tokensPerMinute: env.DEEPSEEK_TOKENS_PER_MINUTE || undefined,
      },
    },
    models: {
      file: env.MODELS_FILE,
      retired: env.RETIRED_MODELS,
      asOf: env.MODELS_AS_OF === undefined ? undefined : Date.parse(asUtcTime(env.MODELS_AS_OF)),
    },
    rateLimits: {
      standardPerMinute: env.RATE_LIMIT_STANDARD_PER_MINUTE,
      expensivePerMinute: env.RATE_LIMIT_EXPENSIVE_PER_MINUTE,
      ensemblePerMinute: env.ENSEMBLE_RATE_LIMIT_PER_MINUTE,
    },
    timeouts: {
      generateMs: env.GENERATE_TIMEOUT_MS,
      ensembleMs: env.ENSEMBLE_TIMEOUT_MS,
      backgroundMs: env.BACKGROUND_TIMEOUT_MS,
    },
    retry: {
      generate: {
        attempts: env.GENERATE_RETRY_ATTEMPTS ?? env.RETRY_ATTEMPTS,
        baseDelayMs: env.GENERATE_RETRY_BASE_DELAY_MS ?? env.RETRY_BASE_DELAY_MS,
        maxDelayMs: env.GENERATE_RETRY_MAX_DELAY_MS ?? env.RETRY_MAX_DELAY_MS,
      },
      background: {
        attempts: env.BACKGROUND_RETRY_ATTEMPTS ?? env.RETRY_ATTEMPTS,
        baseDelayMs: env.BACKGROUND_RETRY_BASE_DELAY_MS ?? env.RETRY_BASE_DELAY_MS,
        maxDelayMs: env.BACKGROUND_RETRY_MAX_DELAY_MS ?? env.RETRY_MAX_DELAY_MS,
      },
    },
    retryAfter: { maxMs: env.RETRY_AFTER_MAX_MS },
    responseCache: { ttlMs: env.RESPONSE_CACHE_TTL_MS },
    budgets: {
      windowMs: env.TOKEN_BUDGET_WINDOW_MS,
      pacingThreshold: env.PROVIDER_PACING_THRESHOLD,
    },
    tasks: { analyzeMaxChunks: env.ANALYZE_MAX_CHUNKS },
    circuit: {
      failureThreshold: env.CIRCUIT_FAILURE_THRESHOLD,
      resetMs: env.CIRCUIT_RESET_MS,
      maxResetMs: Math.max(env.CIRCUIT_MAX_RESET_MS, env.CIRCUIT_RESET_MS),
      windowMs: env.CIRCUIT_WINDOW_MS,
      errorRatePercent: env.CIRCUIT_ERROR_RATE_PERCENT,
      minRequests: env.CIRCUIT_MIN_REQUESTS,
      halfOpenProbes: env.CIRCUIT_HALF_OPEN_PROBES,
      probeLeaseMs: env.CIRCUIT_PROBE_LEASE_MS,
    },
  };
}

/**
 * Parses the environment once. The only reader of `process.env` in aiq (house style R7).
 * @throws ConfigError naming the first bad or missing variable.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  return toConfig(parseEnv(source));
}
