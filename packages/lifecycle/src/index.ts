export { onShutdown, type ShutdownOptions } from './on-shutdown.js';
export { runMain } from './run-main.js';
