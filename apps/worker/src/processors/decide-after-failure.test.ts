import { ProviderError } from '@aiq/providers';
import { describe, expect, it } from 'vitest';
import { decideAfterFailure, type FailureFacts } from './decide-after-failure.js';

const NOW = 1_000_000;
const facts = (overrides: Partial<FailureFacts>): FailureFacts => ({
  error: new ProviderError({ kind: 'server_error', message: 'boom' }),
  shuttingDown: false,
  cancelled: false,
  attempt: 1,
  maxAttempts: 3,
  deadlineAt: NOW + 60_000,
  now: NOW,
  retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
  canHoldProvider: true,
  retryAfterMaxMs: 60_000,
  random: () => 0.5,
  ...overrides,
});
const error = (kind: ProviderError['kind'], retryAfterMs?: number) =>
  new ProviderError({
    kind,
    message: kind,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('decideAfterFailure', () => {
  it.each<[string, Partial<FailureFacts>, ReturnType<typeof decideAfterFailure>]>([
    [
      'shutdown first, whatever the error',
      { shuttingDown: true, cancelled: true },
      { kind: 'hand-back', delayMs: 0 },
    ],
    [
      'Redis out of memory hands back after backoff, on the last attempt too',
      {
        error: Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), {
          name: 'ReplyError',
        }),
        attempt: 3,
      },
      { kind: 'hand-back', delayMs: 2_000 },
    ],
    [
      'a cancel before anything else',
      { cancelled: true, error: error('rate_limited', 2_000) },
      { kind: 'cancelled' },
    ],
    [
      'a retry-after ending before the deadline holds the provider',
      { error: error('rate_limited', 2_000.4) },
      { kind: 'hold-provider', holdMs: 2_001, code: 'rate_limited' },
    ],
    [
      'a retry-after on a queue that mixes providers is a retry after it',
      { error: error('rate_limited', 2_000), canHoldProvider: false },
      { kind: 'retry', attempt: 2, delayMs: 2_000, code: 'rate_limited' },
    ],
    [
      'a retry-after of a day is cut to RETRY_AFTER_MAX_MS, however far the deadline',
      { error: error('rate_limited', 86_400_000), deadlineAt: NOW + 2 * 86_400_000 },
      { kind: 'hold-provider', holdMs: 60_000, code: 'rate_limited' },
    ],
    [
      'a retry-after of a day on a queue that mixes providers is a retry after the cap',
      {
        error: error('rate_limited', 86_400_000),
        deadlineAt: NOW + 2 * 86_400_000,
        canHoldProvider: false,
      },
      { kind: 'retry', attempt: 2, delayMs: 60_000, code: 'rate_limited' },
    ],
    [
      'a retry-after past the deadline is final',
      { error: error('rate_limited', 120_000) },
      { kind: 'final', status: 'failed', code: 'rate_limited' },
    ],
    [
      'a retryable error with attempts left retries after half the first backoff step',
      {},
      { kind: 'retry', attempt: 2, delayMs: 500, code: 'server_error' },
    ],
    [
      'the backoff doubles with the attempt',
      { attempt: 2 },
      { kind: 'retry', attempt: 3, delayMs: 1_000, code: 'server_error' },
    ],
    [
      'the last attempt is final',
      { attempt: 3 },
      { kind: 'final', status: 'failed', code: 'server_error' },
    ],
    [
      'no retry whose delay would pass the deadline',
      { deadlineAt: NOW + 400 },
      { kind: 'final', status: 'failed', code: 'server_error' },
    ],
    [
      'a timeout ends as timeout',
      { error: error('timeout'), attempt: 3 },
      { kind: 'final', status: 'timeout', code: 'timeout' },
    ],
    [
      'a bad key at once',
      { error: error('auth') },
      { kind: 'final', status: 'failed', code: 'auth' },
    ],
    [
      'a prompt over the window at once, by its runbook name',
      { error: error('token_limit_exceeded') },
      { kind: 'final', status: 'failed', code: 'token_limit_exceeded' },
    ],
    [
      'a retired model at once',
      { error: error('model_retired') },
      { kind: 'final', status: 'failed', code: 'model_retired' },
    ],
    [
      'an unexpected exception retries as internal_error',
      { error: new TypeError('x is undefined') },
      { kind: 'retry', attempt: 2, delayMs: 500, code: 'internal_error' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(decideAfterFailure(facts(overrides))).toEqual(expected);
  });
});
