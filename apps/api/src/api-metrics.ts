import { createAiqMetrics, type AiqMetrics } from '@aiq/metrics';
import type { ModelRegistry } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import { createRoutingMetrics, readRoutingState } from '@aiq/routing';
import type { Redis } from 'ioredis';
import type { TaskEventFanOut } from './sse/task-event-fan-out.js';

/**
 * The API process's metrics: its own rate-limit rejections, plus the fleet-wide queue depths and
 * circuit states read from Redis at each scrape (the same numbers every worker reports, so a
 * dashboard aggregates them with `max`), and the task-event subscriptions its streams hold
 * (`aiq_sse_subscriptions`: back to 0 once every stream has ended). Provider calls are counted
 * by the workers.
 */
export function createApiMetrics({
  redis,
  prefix,
  queues,
  models,
  fanOut,
}: {
  redis: Redis;
  prefix: string;
  queues: Queues;
  models: ModelRegistry;
  fanOut: Pick<TaskEventFanOut, 'size'>;
}): AiqMetrics {
  const metrics = createAiqMetrics({ knownModels: (id) => models.has(id) });
  metrics.observeQueues(() => Object.values(queues));
  metrics.observeEventSubscriptions(() => fanOut.size());
  createRoutingMetrics({
    registry: metrics.registry,
    readState: () => readRoutingState(redis, prefix, models.list()),
  });
  return metrics;
}
