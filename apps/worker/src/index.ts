// The worker app's surface for `scripts/start.ts`, which runs it beside the API in one process.
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker.js';
