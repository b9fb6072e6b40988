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
export { DeadLetterJob, AttemptFailure } from './jobs/dead-letter-job.js';
export {
  createRedisConnection,
  waitUntilReady,
  type ConnectionRole,
  type RedisConnectionOptions,
} from './redis-connection.js';
export { inspectRedis, evictionWarning, type RedisHealth } from './redis-health.js';
export { createQueues, closeQueues, enqueue, type Queues } from './queues.js';
export {
  createMaintenanceQueue,
  MAINTENANCE_QUEUE_NAME,
  RECONCILE_JOB_NAME,
} from './maintenance-queue.js';
export { BACKOFF_TYPE, retryJobOptions } from './retry-settings.js';
export {
  AnalyzeDocumentInput,
  BackgroundGenerationInput,
  builtInTaskTypes,
  GENERATION_TASK_TYPE,
  UnknownTaskTypeError,
  type TaskTypeSchemas,
} from './task-types.js';
export { enqueueTaskJob, jobKindOf, taskJobFor, type TaskJob, type TaskRow } from './task-job.js';
export {
  submitTask,
  IDEMPOTENCY_WINDOW_MS,
  type BackgroundSubmission,
  type GenerationSubmission,
  type Submission,
  type SubmitDeps,
  type SubmittedTask,
} from './submit-task.js';
export {
  cancelChannel,
  cancelKey,
  cancelTask,
  type CancelDeps,
  type CancelResult,
} from './cancellation.js';
