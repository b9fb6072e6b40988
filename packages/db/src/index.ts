export type { Database, Db, MigrationStatus, SqlParameter } from './database.js';
export { createDb, type CreateDbOptions } from './create-db.js';
export { createPgliteDatabase, type PgliteDatabaseOptions } from './create-pglite-database.js';
export {
  createPostgresDatabase,
  type PostgresDatabaseOptions,
} from './create-postgres-database.js';
export { DataDirLockedError } from './data-dir-lock.js';
export { migrationsFolder } from './migrations.js';
export {
  createPostgresSafeStream,
  makePostgresSafe,
  type PostgresSafeStream,
} from './postgres-safe.js';
export { runbookQueries, type RunbookQueryName } from './runbook-queries.js';
export { statusQueries } from './status-queries.js';
export {
  aiRequests,
  apiKeys,
  backgroundTasks,
  operatorActions,
  routingChanges,
  taskSteps,
  users,
  TASK_STATUSES,
  OPEN_TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  RETRYABLE_TASK_STATUSES,
  OPERATOR_DOORS,
  API_KEY_ROLES,
  ROUTING_TARGET_KINDS,
  ROUTING_ACTIONS,
  type RoutingTargetKind,
  type RoutingAction,
  type TaskStatus,
  type OpenTaskStatus,
  type TerminalTaskStatus,
  type OperatorDoor,
  type ApiKeyRole,
} from './schema.js';
export { loadTaskSteps, saveTaskStep } from './task-steps.js';
export { eraseOldPrompts, type ErasedPrompts } from './erase-old-prompts.js';
