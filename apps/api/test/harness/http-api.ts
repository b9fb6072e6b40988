import { createApiKey } from '@aiq/auth';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { connectTestRedis, deletePrefix, TEST_NOW, testServices, uniquePrefix } from '@aiq/testing';
import { startApi } from '../../src/start-api.js';

/** The API served over real HTTP by `startApi` (the production server), in this process. */
export interface HttpApi {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly prefix: string;
  readonly database: Database;
  /** A new key for `userId`. */
  keyFor(userId: string, role?: 'user' | 'operator'): Promise<string>;
  close(): Promise<void>;
}

/** Starts the API on a free port, the shared test Redis (own prefix) and an in-memory PGlite. */
export async function startHttpApi(env: Record<string, string> = {}): Promise<HttpApi> {
  const { redisUrl } = await testServices();
  const prefix = uniquePrefix('http-api');
  const config = loadConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    LOG_LEVEL: 'silent',
    MODELS_AS_OF: TEST_NOW,
    ...env,
  });
  const database = await createPgliteDatabase({ dataDir: 'memory://' });
  await database.migrate();
  // The eviction check also waits for Redis, so the first request is not refused with a 503.
  const api = await startApi({ config, logger: createLogger(config), database });
  return {
    url: api.url,
    prefix,
    database,
    async keyFor(userId, role = 'user') {
      return (await createApiKey(database, { userId, role })).key;
    },
    async close() {
      await api.close();
      const redis = await connectTestRedis();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await database.close();
    },
  };
}
