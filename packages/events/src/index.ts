export {
  EnsembleCandidateEnd,
  TaskEvent,
  TaskEventBody,
  TaskEventEnvelope,
  TaskUsage,
  TERMINAL_EVENT_TYPES,
  isTerminalEvent,
  parseTaskEvent,
  type TaskEventType,
} from './task-event.js';
export { taskEventChannel, taskEventKeys, type TaskEventKeys } from './task-event-keys.js';
export {
  createTaskEventPublisher,
  type TaskEventPublisher,
  type TaskEventPublisherOptions,
} from './task-event-publisher.js';
export {
  readLastTaskEvent,
  readTaskEvents,
  replayTaskEvents,
  type ReplayTaskEventsOptions,
} from './read-task-events.js';
