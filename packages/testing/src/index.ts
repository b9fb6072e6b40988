export { testServices, canConnect, type TestServices } from './services.js';
export { connectTestRedis, deletePrefix, uniquePrefix } from './redis.js';
export { createTestDatabase, type TestDatabase } from './postgres.js';
export { freePort } from './free-port.js';
export {
  startOwnRedisServer,
  type OwnRedisServer,
  type OwnRedisServerOptions,
} from './own-redis-server.js';
export {
  startOwnRedisCluster,
  type Failover,
  type OwnRedisCluster,
  type OwnRedisClusterOptions,
} from './own-redis-cluster.js';
export { spawnNode, type SpawnedProcess, type SpawnNodeOptions } from './spawn-process.js';
export { startOwnPostgres, type OwnPostgres, type OwnPostgresOptions } from './own-postgres.js';
export { TEST_NOW } from './test-clock.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
