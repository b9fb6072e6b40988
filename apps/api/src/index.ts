// The API app's surface for `scripts/start.ts`, which runs it beside the workers in one process.
export { createApp, type App, type ApiRoutes } from './app.js';
export { startApi, type RunningApi, type StartApiOptions } from './start-api.js';
export { BULL_BOARD_PATH } from './routes/bull-board.js';
export { DOCS_PATH, OPENAPI_PATH } from './app.js';
