import type { RequestLog } from '../request-log.js';
import type { ScenarioStore } from '../scenario-store.js';

/** Shared state the provider and control routes work on. */
export type RouteDeps = { log: RequestLog; scenarios: ScenarioStore };
