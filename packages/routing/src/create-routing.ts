import type { Config } from '@aiq/config';
import type { Logger } from '@aiq/logger';
import type { ModelInfo } from '@aiq/providers';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { createRoutingMetrics, labelsOf, type RoutingMetrics } from './routing-metrics.js';
import { readRoutingState, type RoutingState } from './routing-state.js';

/** A process's routing: the shared circuits, their transitions logged and counted. */
export interface Routing {
  readonly breaker: CircuitBreaker;
  readonly metrics: RoutingMetrics;
  /** Every provider's and model's circuit and disabled flag. */
  readState(): Promise<RoutingState>;
}

/**
 * Wires the circuit breaker to the logger (one line per transition: provider, model, from, to,
 * reason) and to the metrics, for the models of the registry.
 */
export function createRouting({
  redis,
  config,
  logger,
  models,
  registry,
}: {
  redis: Redis;
  config: Pick<Config, 'circuit' | 'redis'>;
  logger: Logger;
  models: () => readonly Pick<ModelInfo, 'id' | 'provider'>[];
  /** The process's one metrics registry (`@aiq/metrics`); a registry of its own when absent. */
  registry?: Registry;
}): Routing {
  const prefix = config.redis.prefix;
  const readState = () => readRoutingState(redis, prefix, models());
  const metrics = createRoutingMetrics({
    readState,
    ...(registry === undefined ? {} : { registry }),
  });
  const breaker = createCircuitBreaker({
    redis,
    prefix,
    options: config.circuit,
    onTransition(transition) {
      metrics.countTransition(transition);
      const level = transition.to === 'open' ? 'warn' : 'info';
      logger[level](
        {
          ...labelsOf(transition.target),
          from: transition.from,
          to: transition.to,
          reason: transition.reason,
        },
        'circuit transition',
      );
    },
  });
  return { breaker, metrics, readState };
}
