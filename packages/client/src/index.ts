export {
  createAiqClient,
  type AiqClient,
  type AiqClientOptions,
  type BackgroundTaskInput,
  type EnsembleInput,
  type GenerateInput,
  type Task,
  type TaskAccepted,
  type TaskList,
  type TaskListQuery,
  type RetryResult,
} from './create-aiq-client.js';
export { AiqError } from './aiq-error.js';
export {
  streamTaskEvents,
  type OpenEventStream,
  type StreamTaskEventsOptions,
} from './stream-task-events.js';
export { createSseParser, type ServerSentEvent } from './sse-parser.js';
export type { TaskEvent } from '@aiq/events';
