// The worker app's surface for `scripts/start.ts`, which runs it beside the API in one process.
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker.js';
export type { WorkerRole, WorkerSettings } from './worker-settings.js';
export { shutdownDeadlineMs } from './shutdown-deadline.js';
export {
  createTaskRegistry,
  type AnyTaskHandler,
  defineTask,
  type TaskContext,
  type TaskGeneration,
  type TaskHandler,
  type TaskRegistry,
} from './tasks/task-registry.js';
