/** Response headers as the SDKs expose them (`Headers`) or as a plain record in tests. */
export type HeadersLike = Headers | Readonly<Record<string, string | undefined>> | undefined;

/** Options for {@link parseRetryAfterMs}. */
export interface ParseRetryAfterOptions {
  /**
   * Also read the rate-limit reset headers. Only meaningful for a 429: every OpenAI response
   * carries `x-ratelimit-reset-*`, and honouring them on a 500 would make the queue wait
   * (uncharged) instead of backing off.
   * @defaultValue false
   */
  readonly includeRateLimitResets?: boolean;
  /** Clock for HTTP-date and RFC 3339 values. @defaultValue Date.now() */
  readonly now?: number;
}

/** OpenAI's reset headers and the remaining-count header that says whether that limit is spent. */
const OPENAI_LIMITS = [
  ['x-ratelimit-reset-requests', 'x-ratelimit-remaining-requests'],
  ['x-ratelimit-reset-tokens', 'x-ratelimit-remaining-tokens'],
] as const;

/** Anthropic's reset headers (RFC 3339 instants) and their remaining-count headers. */
const ANTHROPIC_LIMITS = [
  ['anthropic-ratelimit-requests-reset', 'anthropic-ratelimit-requests-remaining'],
  ['anthropic-ratelimit-tokens-reset', 'anthropic-ratelimit-tokens-remaining'],
  ['anthropic-ratelimit-input-tokens-reset', 'anthropic-ratelimit-input-tokens-remaining'],
  ['anthropic-ratelimit-output-tokens-reset', 'anthropic-ratelimit-output-tokens-remaining'],
] as const;

/** One header, case-insensitively, from either shape of {@link HeadersLike}. */
export function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** `retry-after`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function parseRetryAfterValue(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (DECIMAL.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const DURATION =
  /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;

/**
 * OpenAI's reset format, Go's `time.Duration` string: `1s`, `6m0s`, `20ms`, `1h2m3.5s`. A bare
 * number is read as seconds.
 */
export function parseDurationMs(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (DECIMAL.test(trimmed)) return Number(trimmed) * 1000;
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  const [, hours = '0', minutes = '0', seconds = '0', milliseconds = '0'] = match;
  return (
    Number(hours) * 3_600_000 +
    Number(minutes) * 60_000 +
    Number(seconds) * 1000 +
    Number(milliseconds)
  );
}

/** Anthropic's reset format: an RFC 3339 instant. */
function parseInstantMs(value: string, now: number): number | undefined {
  const instant = Date.parse(value.trim());
  return Number.isNaN(instant) ? undefined : Math.max(0, instant - now);
}

/**
 * The wait the reset headers imply. When a remaining-count header says a limit is spent, only the
 * spent limits count; otherwise the latest reset wins, so we never retry into a limit still closed.
 */
function resetDelayMs(headers: HeadersLike, now: number): number | undefined {
  const all: number[] = [];
  const spent: number[] = [];
  const collect = (
    resetValue: string | undefined,
    remaining: string | undefined,
    delay: number | undefined,
  ) => {
    if (resetValue === undefined || delay === undefined) return;
    all.push(delay);
    if (remaining !== undefined && Number(remaining) <= 0) spent.push(delay);
  };
  for (const [reset, remaining] of OPENAI_LIMITS) {
    const value = readHeader(headers, reset);
    collect(
      value,
      readHeader(headers, remaining),
      value === undefined ? undefined : parseDurationMs(value),
    );
  }
  for (const [reset, remaining] of ANTHROPIC_LIMITS) {
    const value = readHeader(headers, reset);
    collect(
      value,
      readHeader(headers, remaining),
      value === undefined ? undefined : parseInstantMs(value, now),
    );
  }
  const chosen = spent.length > 0 ? spent : all;
  return chosen.length > 0 ? Math.max(...chosen) : undefined;
}

/**
 * How long the provider asked us to wait, in whole milliseconds, or undefined. The one place that
 * reads `retry-after-ms` (OpenAI, Azure), `retry-after` (seconds or HTTP date) and, for 429s, the
 * rate-limit reset headers of OpenAI (`x-ratelimit-reset-*`) and Anthropic
 * (`anthropic-ratelimit-*-reset`). The explicit headers win over the reset headers.
 */
export function parseRetryAfterMs(
  headers: HeadersLike,
  { includeRateLimitResets = false, now = Date.now() }: ParseRetryAfterOptions = {},
): number | undefined {
  const explicitMs = readHeader(headers, 'retry-after-ms');
  if (explicitMs !== undefined && DECIMAL.test(explicitMs.trim())) {
    return Math.ceil(Number(explicitMs.trim()));
  }
  const retryAfter = readHeader(headers, 'retry-after');
  const fromRetryAfter =
    retryAfter === undefined ? undefined : parseRetryAfterValue(retryAfter, now);
  if (fromRetryAfter !== undefined) return Math.ceil(fromRetryAfter);
  if (!includeRateLimitResets) return undefined;
  const fromResets = resetDelayMs(headers, now);
  return fromResets === undefined ? undefined : Math.ceil(fromResets);
}
