import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './config.js';
import { parseEnv } from './env.js';
import { secretVariableNames } from './env-variables.js';

function configErrorOf(source: Record<string, string>): ConfigError {
  try {
    parseEnv(source);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('parseEnv accepted the environment');
}

describe('parseEnv', () => {
  it('should apply the documented defaults to an empty environment', () => {
    const env = parseEnv({});
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.API_PORT).toBe(3000);
    expect(env.RATE_LIMIT_STANDARD_PER_MINUTE).toBe(10);
    expect(env.RATE_LIMIT_EXPENSIVE_PER_MINUTE).toBe(5);
    expect(env.ENSEMBLE_RATE_LIMIT_PER_MINUTE).toBe(5);
    expect(env.GENERATE_TIMEOUT_MS).toBe(60_000);
    expect(env.BACKGROUND_TIMEOUT_MS).toBe(300_000);
    expect(env.RETRY_ATTEMPTS).toBe(3);
    expect(env.CIRCUIT_FAILURE_THRESHOLD).toBe(5);
  });

  it('should coerce numbers from strings', () => {
    expect(parseEnv({ API_PORT: '8080' }).API_PORT).toBe(8080);
  });

  it('should treat an empty string as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', API_PORT: '' }).API_PORT).toBe(3000);
  });

  it.each([
    [{ API_PORT: 'abc' }, 'API_PORT is invalid: expected an integer from 0 to 65535'],
    [{ API_PORT: '70000' }, 'API_PORT is invalid: expected an integer from 0 to 65535'],
    [
      { REDIS_URL: 'http://localhost' },
      'REDIS_URL is invalid: expected a redis:// or rediss:// URL',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL is invalid: expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL is invalid: expected a postgres:// or postgresql:// URL',
    ],
  ])('should name the variable and what it expects for %o', (source, message) => {
    const error = configErrorOf(source);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it('should never print a secret value, even a malformed one', () => {
    const secretish = 'postgres-with-password-hunter2';
    const error = configErrorOf({ DATABASE_URL: secretish });
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).not.toContain('hunter2');
    const redisError = configErrorOf({ REDIS_URL: 'ftp://user:hunter2@host' });
    expect(redisError.message).not.toContain('hunter2');
  });

  it('should refuse a base retry delay above the cap', () => {
    const error = configErrorOf({ RETRY_BASE_DELAY_MS: '20000', RETRY_MAX_DELAY_MS: '10000' });
    expect(error.message).toBe('RETRY_BASE_DELAY_MS: expected at most RETRY_MAX_DELAY_MS');
  });

  it("should check a job type's own retry delays against the cap that applies to it", () => {
    expect(configErrorOf({ BACKGROUND_RETRY_BASE_DELAY_MS: '20000' }).message).toBe(
      'BACKGROUND_RETRY_BASE_DELAY_MS: expected at most RETRY_MAX_DELAY_MS',
    );
    expect(
      configErrorOf({ RETRY_BASE_DELAY_MS: '5000', GENERATE_RETRY_MAX_DELAY_MS: '2000' }).message,
    ).toBe('RETRY_BASE_DELAY_MS: expected at most GENERATE_RETRY_MAX_DELAY_MS');
  });

  it('should mark every key and credential-bearing URL as secret', () => {
    expect(secretVariableNames).toEqual(
      expect.arrayContaining([
        'OPENAI_API_KEY',
        'ANTHROPIC_API_KEY',
        'DEEPSEEK_API_KEY',
        'DATABASE_URL',
        'REDIS_URL',
      ]),
    );
  });
});

describe('loadConfig', () => {
  it('should keep the concurrency of the provider queues that set their own', () => {
    expect(loadConfig({}).worker.providerConcurrency).toEqual({});
    expect(
      loadConfig({ WORKER_CONCURRENCY: '4', DEEPSEEK_CONCURRENCY: '16' }).worker,
    ).toMatchObject({ concurrency: 4, providerConcurrency: { deepseek: 16 } });
  });

  it('should give each job type the runbook retry policy unless its own variables override it', () => {
    expect(loadConfig({}).retry).toEqual({
      generate: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
      background: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    });
    const config = loadConfig({
      RETRY_ATTEMPTS: '4',
      BACKGROUND_RETRY_ATTEMPTS: '6',
      BACKGROUND_RETRY_MAX_DELAY_MS: '60000',
      GENERATE_RETRY_BASE_DELAY_MS: '500',
    });
    expect(config.retry).toEqual({
      generate: { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 },
      background: { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 },
    });
  });

  it('should give event streams their limits, with defaults', () => {
    expect(loadConfig({}).sse).toEqual({
      maxStreamsPerUser: 20,
      opensPerMinute: 60,
      slotLeaseMs: 30_000,
      replayPageSize: 500,
      streamTokenGraceMs: 60_000,
    });
    expect(
      loadConfig({ SSE_MAX_STREAMS_PER_USER: '2', SSE_REPLAY_PAGE_SIZE: '50' }).sse,
    ).toMatchObject({ maxStreamsPerUser: 2, replayPageSize: 50 });
    expect(() => loadConfig({ SSE_SLOT_LEASE_MS: '10' })).toThrow(
      'SSE_SLOT_LEASE_MS is invalid: expected milliseconds, an integer from 1000 to 3600000',
    );
  });

  it('should hash-tag the key prefix on a Redis Cluster, so every key aiq keeps shares one slot', () => {
    expect(loadConfig({ QUEUE_PREFIX: 'jobs' }).redis).toMatchObject({
      cluster: false,
      prefix: 'jobs',
    });
    expect(loadConfig({ QUEUE_PREFIX: 'jobs', REDIS_CLUSTER: 'true' }).redis).toMatchObject({
      cluster: true,
      prefix: '{jobs}',
    });
  });

  it('should take more cluster seed nodes, and only for a cluster', () => {
    const nodes = 'redis-b:6380, 10.0.0.3:6379';
    expect(loadConfig({ REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: nodes }).redis).toMatchObject({
      clusterNodes: ['redis-b:6380', '10.0.0.3:6379'],
    });
    expect(loadConfig({}).redis.clusterNodes).toEqual([]);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes })).toThrow(
      'REDIS_CLUSTER_NODES: expected unset unless REDIS_CLUSTER=true',
    );
    expect(() =>
      loadConfig({ REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: 'redis://redis-b:6380' }),
    ).toThrow('REDIS_CLUSTER_NODES is invalid: expected a comma-separated list of host:port');
  });

  it('should choose PGlite under DATA_DIR when DATABASE_URL is unset', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/aiq-data' });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/tmp/aiq-data/pglite' });
  });

  it('should choose postgres-js when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', DATABASE_POOL_SIZE: '3' });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h:5432/d',
      poolSize: 3,
    });
  });

  it('should group provider settings', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
    });
    expect(config.providers.openai).toEqual({
      apiKey: 'sk-test',
      baseUrl: 'http://127.0.0.1:4010/v1',
      requestsPerMinute: 500,
      tokensPerMinute: undefined,
    });
    expect(config.providers.anthropic.apiKey).toBeUndefined();
  });

  it('should set no token budget unless a positive one is configured, with a one-minute window', () => {
    const config = loadConfig({
      ANTHROPIC_TOKENS_PER_MINUTE: '40000',
      DEEPSEEK_TOKENS_PER_MINUTE: '0',
    });
    expect(config.providers.anthropic.tokensPerMinute).toBe(40_000);
    expect(config.providers.deepseek.tokensPerMinute).toBeUndefined();
    expect(config.budgets).toEqual({ windowMs: 60_000, pacingThreshold: 0.1 });
    expect(() => loadConfig({ PROVIDER_PACING_THRESHOLD: '1.5' })).toThrow(
      'PROVIDER_PACING_THRESHOLD is invalid: expected a number from 0 to 1',
    );
  });

  it('should substitute retired models unless told to refuse them, judged as of now by default', () => {
    expect(loadConfig({}).models).toEqual({
      file: undefined,
      retired: 'substitute',
      asOf: undefined,
    });
    expect(loadConfig({ RETIRED_MODELS: 'refuse' }).models.retired).toBe('refuse');
    expect(configErrorOf({ RETIRED_MODELS: 'maybe' }).message).toBe(
      'RETIRED_MODELS is invalid: expected one of substitute, refuse',
    );
  });

  it('should read MODELS_AS_OF as a UTC day or a time with its zone, and refuse anything else', () => {
    expect(loadConfig({ MODELS_AS_OF: '2026-12-11' }).models.asOf).toBe(
      Date.parse('2026-12-11T00:00:00Z'),
    );
    expect(loadConfig({ MODELS_AS_OF: '2026-12-11T09:30:00+02:00' }).models.asOf).toBe(
      Date.parse('2026-12-11T07:30:00Z'),
    );
    for (const value of ['tomorrow', '2026-02-30', '2026-12-11T09:30:00']) {
      expect(configErrorOf({ MODELS_AS_OF: value }).message).toBe(
        'MODELS_AS_OF is invalid: expected a date (YYYY-MM-DD) or an ISO 8601 time with a zone',
      );
    }
  });

  it('should split worker roles and refuse an unknown one', () => {
    expect(loadConfig({ WORKER_ROLES: 'generation,maintenance' }).worker.roles).toEqual([
      'generation',
      'maintenance',
    ]);
    expect(loadConfig({}).worker.roles).toEqual([
      'generation',
      'background',
      'dead-letter',
      'maintenance',
    ]);
    expect(() => loadConfig({ WORKER_ROLES: 'generation,cooking' })).toThrow(
      'WORKER_ROLES is invalid: expected a comma-separated list of generation, background, dead-letter, maintenance',
    );
  });

  it('should split CORS origins, none by default, and refuse one that is not an origin', () => {
    expect(loadConfig({}).api.corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).api
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['https://app.example.com/', 'app.example.com', '*', 'ftp://files.example']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(
        'CORS_ORIGINS is invalid: expected a comma-separated list of origins such as https://app.example.com',
      );
    }
  });
});
