import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import type { LedgerWriter } from '@aiq/ledger';
import type { Logger } from '@aiq/logger';
import type { AiqMetrics } from '@aiq/metrics';
import type { ModelRegistry, Providers } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import type { Routing } from '@aiq/routing';
import type { Redis } from 'ioredis';
import type { TaskRegistry } from './tasks/task-registry.js';
import type { WorkerSettings } from './worker-settings.js';

/** Everything a processor uses, built once per process by `startWorker`. */
export interface WorkerDeps {
  readonly config: Config;
  readonly settings: WorkerSettings;
  readonly logger: Logger;
  readonly database: Database;
  /** A worker-role connection for commands (not the blocking or subscriber ones). */
  readonly redis: Redis;
  readonly queues: Queues;
  readonly ledger: LedgerWriter;
  readonly events: TaskEventPublisher;
  readonly providers: Providers;
  readonly registry: ModelRegistry;
  readonly tasks: TaskRegistry;
  /** Circuit breakers and disable switches, shared by the fleet through Redis. */
  readonly routing: Routing;
  /** This process's Prometheus metrics, served at the health port's `/metrics`. */
  readonly metrics: AiqMetrics;
}
