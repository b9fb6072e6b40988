import os from 'node:os';
import type { Config } from '@aiq/config';
import { createDb, type Database } from '@aiq/db';
import { createTaskEventPublisher, type TaskEventPublisher } from '@aiq/events';
import { loadModelRegistry, type ModelRegistry } from '@aiq/providers';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  waitUntilReady,
  type Queues,
} from '@aiq/queue';
import type { Redis } from 'ioredis';

/** What the task commands share: the ledger, the queues and the event stream, as the API has them. */
export interface TaskDeps {
  readonly config: Config;
  readonly database: Database;
  readonly redis: Redis;
  readonly queues: Queues;
  readonly events: TaskEventPublisher;
  readonly registry: ModelRegistry;
}

/** Opens the ledger and the queues for one command, and closes both after it, whatever happens. */
export async function withTaskDeps<T>(
  config: Config,
  work: (deps: TaskDeps) => Promise<T>,
): Promise<T> {
  const database = await createDb(config.database, { applicationName: 'aiq-cli' });
  const redis = createRedisConnection({
    ...config.redis,
    role: 'producer',
    name: 'aiq-cli',
  });
  redis.on('error', () => undefined); // waitUntilReady reports an unreachable Redis
  try {
    await waitUntilReady(redis);
    const queues = createQueues(redis, config.redis.prefix, config.retention);
    try {
      return await work({
        config,
        database,
        redis,
        queues,
        events: createTaskEventPublisher({ redis, prefix: config.redis.prefix }),
        registry: loadModelRegistry(config.models),
      });
    } finally {
      await closeQueues(queues);
    }
  } finally {
    redis.disconnect();
    await database.close();
  }
}

/** Who the audit trail names for this command: `cli:<os user>`. */
export function cliOperator(): string {
  return `cli:${os.userInfo().username}`;
}
