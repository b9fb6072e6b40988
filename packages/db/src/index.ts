export type { Database, Db, MigrationStatus, SqlParameter } from './database.js';
export { createDb, type CreateDbOptions } from './create-db.js';
export { createPgliteDatabase, type PgliteDatabaseOptions } from './create-pglite-database.js';
export {
  createPostgresDatabase,
  type PostgresDatabaseOptions,
} from './create-postgres-database.js';
export { DataDirLockedError } from './data-dir-lock.js';
export { migrationsFolder } from './migrations.js';
export { runbookQueries, type RunbookQueryName } from './runbook-queries.js';
export {
  aiRequests,
  apiKeys,
  backgroundTasks,
  taskSteps,
  users,
  TASK_STATUSES,
  API_KEY_ROLES,
  type TaskStatus,
  type ApiKeyRole,
} from './schema.js';
export { loadTaskSteps, saveTaskStep } from './task-steps.js';
