export {
  queueCatalog,
  queueNames,
  generationQueueName,
  type QueueDefinition,
  type QueueName,
  type JobPayload,
  type JobData,
} from './catalog.js';
export { ChatMessage } from './jobs/chat-message.js';
export { GenerateJob } from './jobs/generate-job.js';
export { BackgroundTaskJob } from './jobs/background-task-job.js';
export { DeadLetterJob, AttemptFailure, deadLetterJobId } from './jobs/dead-letter-job.js';
export { AIQ_ERROR_CODES, NON_RETRYABLE_CODES, TaskErrorCode } from './task-error-code.js';
export {
  createRedisConnection,
  waitUntilReady,
  type ConnectionRole,
  type RedisConnectionOptions,
} from './redis-connection.js';
export { redisScript, type RedisScript } from './redis-script.js';
export {
  enforceEviction,
  inspectRedis,
  judgeEviction,
  type EvictionVerdict,
  type RedisHealth,
} from './redis-health.js';
export { isRedisOutOfMemory } from './redis-out-of-memory.js';
export { createQueues, closeQueues, enqueue, type Queues } from './queues.js';
export { enqueueFlow, ensembleCandidateJobId, type FlowJob } from './enqueue-flow.js';
export {
  createMaintenanceQueue,
  MAINTENANCE_QUEUE_NAME,
  RECONCILE_JOB_NAME,
  RETENTION_JOB_NAME,
  TOKEN_USAGE_JOB_NAME,
} from './maintenance-queue.js';
export { cleanFinishedJobs, type QueueRetention } from './queue-retention.js';
export { BACKOFF_TYPE, retryJobOptions } from './retry-settings.js';
