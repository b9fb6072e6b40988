import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import type { Logger } from '@aiq/logger';
import type { AiqMetrics } from '@aiq/metrics';
import type { ModelRegistry } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import type { Redis } from 'ioredis';
import type { TaskEventFanOut } from './sse/task-event-fan-out.js';

/** SSE timings; the defaults suit proxies that cut idle connections after 30–60 s. */
export interface SseSettings {
  /**
   * Idle time before a `: heartbeat` comment.
   * @defaultValue 15 000
   */
  readonly heartbeatMs: number;
  /**
   * Lifetime of a stream token (`POST /api/tasks/:id/stream-token`).
   * @defaultValue 60 s
   */
  readonly streamTokenTtlSeconds: number;
}

export const DEFAULT_SSE_SETTINGS: SseSettings = { heartbeatMs: 15_000, streamTokenTtlSeconds: 60 };

/** Everything the routes need, built by start-api.ts (or a test) and passed to createApp. */
export interface ApiDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** A fail-fast producer connection: an outage answers 503 instead of hanging requests. */
  readonly redis: Redis;
  readonly queues: Queues;
  /** Models the API accepts, from the built-in table and MODELS_FILE. */
  readonly models: ModelRegistry;
  /** Publishes `queued` and `cancelled` (the workers publish the rest). */
  readonly events: TaskEventPublisher;
  /** This process's one pub/sub subscription, shared by all its SSE clients. */
  readonly fanOut: TaskEventFanOut;
  readonly sse: SseSettings;
  /** This process's Prometheus metrics (`createApiMetrics`), served at `GET /metrics`. */
  readonly metrics: AiqMetrics;
  /** The built web app to serve under `/` (apps/web/dist); none when absent or not built. */
  readonly webRoot?: string;
}
