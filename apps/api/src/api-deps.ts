import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import type { ModelRegistry } from '@aiq/providers';
import type { Queues } from '@aiq/queue';
import type { Redis } from 'ioredis';

/** Everything the routes need, built by main.ts (or a test) and passed to createApp. */
export interface ApiDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** A fail-fast producer connection: an outage answers 503 instead of hanging requests. */
  readonly redis: Redis;
  readonly queues: Queues;
  /** Models the API accepts, from the built-in table and MODELS_FILE. */
  readonly models: ModelRegistry;
}
