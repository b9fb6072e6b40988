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
