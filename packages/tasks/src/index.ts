export {
  OPEN_TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  RETRYABLE_TASK_STATUSES,
  type OpenTaskStatus,
  type TerminalTaskStatus,
} from '@aiq/db';
export { TaskErrorCode, NON_RETRYABLE_CODES, AIQ_ERROR_CODES } from '@aiq/queue';
export type { TaskRow } from './task-row.js';
export {
  AnalyzeDocumentInput,
  AnalyzeDocumentResult,
  BackgroundGenerationInput,
  BackgroundGenerationResult,
  builtInTaskCatalog,
  defineTaskType,
  ENSEMBLE_MAX_MODELS,
  ENSEMBLE_MIN_MODELS,
  ENSEMBLE_TASK_TYPE,
  EnsembleCandidate,
  EnsembleInput,
  EnsembleResult,
  extendCatalog,
  GENERATION_TASK_TYPE,
  GenerationInput,
  GenerationResult,
  TaskInput,
  UnknownTaskTypeError,
  type TaskCatalog,
  type TaskDefinition,
} from './task-catalog.js';
export {
  enqueueTaskJob,
  jobKindOf,
  taskJobFor,
  TaskJobOutcome,
  taskJobSourceOf,
  type CompletedReceipt,
  type TaskChildJob,
  type TaskJob,
  type TaskJobSource,
  type TaskJobSourceColumns,
} from './task-job.js';
export { documentChunks, TaskRefusedError } from './document-chunks.js';
export { defaultEnsembleModels, readDisabledRouting } from './ensemble-models.js';
export {
  submitTask,
  taskDeadline,
  IDEMPOTENCY_WINDOW_MS,
  type BackgroundSubmission,
  type EnsembleSubmission,
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
export { claimTaskEnd } from './task-end.js';
export {
  retryTask,
  retryTasks,
  resumeReopenedTask,
  type RetryDeps,
  type RetryOptions,
  type RetryOutcome,
} from './retry-task.js';
export {
  bulkRetry,
  type BulkRetryFilters,
  type BulkRetryOptions,
  type BulkRetrySummary,
} from './bulk-retry.js';
export { recordOperatorAction, type Actor, type OperatorAction } from './operator-actions.js';
export { findTask } from './find-task.js';
export { taskCosts } from './task-costs.js';
export { listTasks, InvalidCursorError, type ListTasksOptions } from './list-tasks.js';
export { terminalEventFromRow } from './terminal-event.js';
export {
  listDeadLetters,
  findDeadLetter,
  replayDeadLetters,
  purgeDeadLetters,
  type DeadLetter,
  type DeadLetterDeps,
  type DeadLetterSelection,
  type DeadLetterState,
  type PurgeSummary,
  type ReplayOutcome,
  type ReplaySummary,
} from './dead-letters.js';
export { sweepRetention, type RetentionDeps, type RetentionReport } from './sweep-retention.js';
