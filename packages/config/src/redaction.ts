import { secretVariableNames } from './env-variables.js';

/**
 * pino `redact` paths: every secret variable wherever it is logged as a field, provider keys
 * inside config objects, and credentials in HTTP headers.
 */
export const redactPaths: readonly string[] = [
  ...secretVariableNames,
  ...secretVariableNames.map((name) => `*.${name}`),
  'apiKey',
  '*.apiKey',
  'providers.*.apiKey',
  'config.providers.*.apiKey',
  'password',
  '*.password',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'request.headers.authorization',
  'request.headers["x-api-key"]',
];

/** A URL with its password replaced, for log lines and start-up banners. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[unparseable URL]';
  }
}

const REDACTED = '[redacted]';

/**
 * Credentials recognised by their shape inside free text (error messages, URLs, stack
 * traces): aiq API keys, provider keys (`sk-…`, `sk-ant-…`, `sk-proj-…`) and bearer tokens.
 */
const secretPatterns: readonly (readonly [RegExp, string])[] = [
  [/\baiq_[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
];

/** Field names whose values are secrets wherever they appear: the last segment of each {@link redactPaths} entry. */
const secretFieldNames: ReadonlySet<string> = new Set(
  redactPaths.map((path) => {
    const last = path.split('.').at(-1) ?? path;
    return last.replace(/^\w*\["(.+)"\]$/, '$1').toLowerCase();
  }),
);

/** Text with every credential of a known shape, and every value in `secrets`, replaced. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 8) result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of secretPatterns) {
    result = result.replace(pattern, replacement);
  }
  return result;
}

/**
 * A deep copy of `value` as it may leave the process (error reports): fields named like the
 * log redaction paths (`apiKey`, `authorization`, `OPENAI_API_KEY`, …) are censored and
 * every string goes through {@link redactText}. Cycles and depth beyond 20 are cut.
 */
export function redactValue<T>(value: T, secrets: readonly string[] = []): T {
  const seen = new WeakSet<object>();
  const walk = (current: unknown, depth: number): unknown => {
    if (typeof current === 'string') return redactText(current, secrets);
    if (current === null || typeof current !== 'object') return current;
    if (seen.has(current) || depth > 20) return '[cut]';
    seen.add(current);
    if (Array.isArray(current)) return current.map((item) => walk(item, depth + 1));
    return Object.fromEntries(
      Object.entries(current).map(([key, field]) => [
        key,
        secretFieldNames.has(key.toLowerCase()) && field != null
          ? REDACTED
          : walk(field, depth + 1),
      ]),
    );
  };
  return walk(value, 0) as T;
}
