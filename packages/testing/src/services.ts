import { existsSync } from 'node:fs';
import net from 'node:net';

/** The shared services a test run uses. */
export interface TestServices {
  readonly redisUrl: string;
  /** An admin URL of a PostgreSQL server where the harness may create databases. */
  readonly postgresUrl: string;
  /** Where they came from, for the message when something fails. */
  readonly source: 'environment' | 'local' | 'testcontainers';
}

const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Resolves when something accepts TCP connections at the URL's host and port. */
export function canConnect(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  const defaultPort = protocol.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = net.connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port || defaultPort),
    });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function dockerAvailable(): boolean {
  return existsSync('/var/run/docker.sock') || process.env['DOCKER_HOST'] !== undefined;
}

async function startContainers(): Promise<TestServices> {
  const [{ RedisContainer }, { PostgreSqlContainer }] = await Promise.all([
    import('@testcontainers/redis'),
    import('@testcontainers/postgresql'),
  ]);
  // Reused across test files and runs (TESTCONTAINERS_REUSE_ENABLE), as one local server would be.
  const [redis, postgres] = await Promise.all([
    new RedisContainer('redis:7-alpine').withReuse().start(),
    new PostgreSqlContainer('postgres:17-alpine').withReuse().start(),
  ]);
  return {
    redisUrl: redis.getConnectionUrl(),
    postgresUrl: postgres.getConnectionUri(),
    source: 'testcontainers',
  };
}

let resolved: Promise<TestServices> | undefined;

/**
 * Finds Redis and PostgreSQL for tests: REDIS_URL / DATABASE_URL when set, else the local
 * defaults (127.0.0.1:6379, 127.0.0.1:5432 database `test`), else testcontainers when a Docker
 * engine is there. Otherwise it fails with a message that says how to get them.
 */
export function testServices(): Promise<TestServices> {
  resolved ??= (async () => {
    const redisUrl = process.env['REDIS_URL'] ?? LOCAL_REDIS_URL;
    const postgresUrl = process.env['DATABASE_URL'] ?? LOCAL_POSTGRES_URL;
    const [redisUp, postgresUp] = await Promise.all([
      canConnect(redisUrl),
      canConnect(postgresUrl),
    ]);
    if (redisUp && postgresUp) {
      const fromEnvironment = process.env['REDIS_URL'] ?? process.env['DATABASE_URL'];
      return { redisUrl, postgresUrl, source: fromEnvironment ? 'environment' : 'local' };
    }
    if (dockerAvailable()) return startContainers();
    const missing = [
      redisUp ? undefined : `Redis at ${redisUrl}`,
      postgresUp ? undefined : `PostgreSQL at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')}`,
    ].filter(Boolean);
    throw new Error(
      `aiq tests need Redis and PostgreSQL, but nothing answers: ${missing.join(', ')}. ` +
        'Start them (`docker compose up -d redis postgres`, or the OS packages), ' +
        'or point REDIS_URL / DATABASE_URL at running servers.',
    );
  })();
  return resolved;
}
