import { createHash } from 'node:crypto';

/** The providers aiq calls; kept as a string here so this package depends on nothing of ours. */
export type BudgetProvider = string;

/**
 * A short, stable name for one API key: the first 12 hex digits of its SHA-256. Budgets and
 * pacing state are per key (two keys of one provider have two sets of limits), and a Redis key
 * or a log line must never hold the key itself. A missing key (mock-llm in dev) is `nokey`.
 */
export function apiKeyHash(apiKey: string | undefined): string {
  if (apiKey === undefined || apiKey === '') return 'nokey';
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
}

/** Where one provider key's budget and pacing state live in Redis. */
export interface ProviderKeyRef {
  /** The deployment's Redis prefix (`config.redis.prefix`). */
  readonly prefix: string;
  readonly provider: BudgetProvider;
  readonly apiKey: string | undefined;
}

/**
 * The token budget's two keys: `log`, a sorted set of reservation ids scored by time, and
 * `amounts`, a hash of reservation id to tokens (see `token-budget.ts`).
 */
export function tokenBudgetKeys({ prefix, provider, apiKey }: ProviderKeyRef): {
  log: string;
  amounts: string;
} {
  const base = `${prefix}:budget:tokens:${provider}:${apiKeyHash(apiKey)}`;
  return { log: `${base}:log`, amounts: `${base}:amounts` };
}

/** The hash holding what the provider last reported in its rate-limit headers for this key. */
export function pacingKey({ prefix, provider, apiKey }: ProviderKeyRef): string {
  return `${prefix}:budget:pacing:${provider}:${apiKeyHash(apiKey)}`;
}
