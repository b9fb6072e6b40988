import { z } from '@hono/zod-openapi';
import {
  ERROR_RATE_WINDOW_MS,
  publicProviderStates,
  readProviderErrorRates,
  readRoutingState,
} from '@aiq/routing';
import type { ApiDeps } from '../api-deps.js';
import { readNotice, StatusNotice } from './status-notice.js';
import { ttlCache, type TtlCache } from './ttl-cache.js';

const ProviderState = z.enum(['operational', 'degraded', 'outage']);

/** `GET /api/status`: what a public status page shows, and nothing more. */
export const PublicStatus = z
  .object({
    /** `outage` when every provider is out, `degraded` when any is not operational. */
    status: ProviderState,
    providers: z.record(z.string(), ProviderState).openapi({
      example: { anthropic: 'operational', deepseek: 'operational', openai: 'outage' },
    }),
    notice: StatusNotice.nullable(),
    /** When this answer was computed (it is cached for a few seconds). */
    updatedAt: z.string(),
  })
  .openapi('PublicStatus');
export type PublicStatus = z.infer<typeof PublicStatus>;

/** How long each API process reuses its answer. */
export const STATUS_CACHE_MS = 5_000;

async function computeStatus(deps: ApiDeps): Promise<PublicStatus> {
  const { redis, config, database, logger } = deps;
  const prefix = config.redis.prefix;
  const [routing, notice, errorRates] = await Promise.all([
    readRoutingState(redis, prefix, deps.models.list()),
    readNotice(redis, prefix),
    // The ledger down must not take the status page with it: circuits still tell the outage.
    readProviderErrorRates(database, ERROR_RATE_WINDOW_MS).catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'status: error rates unreadable');
      return {};
    }),
  ]);
  const providers = publicProviderStates(routing, errorRates);
  const states = Object.values(providers);
  let status: z.infer<typeof ProviderState> = 'operational';
  if (states.some((state) => state !== 'operational')) status = 'degraded';
  if (states.length > 0 && states.every((state) => state === 'outage')) status = 'outage';
  return { status, providers, notice, updatedAt: new Date().toISOString() };
}

/** This process's cached public status; a notice change invalidates it here at once. */
export function publicStatusCache(deps: ApiDeps): TtlCache<PublicStatus> {
  return ttlCache(() => computeStatus(deps), STATUS_CACHE_MS);
}
