import type { RequestLog } from '../request-log.js';
import type { ScenarioStore } from '../scenario-store.js';
import type { RateLimitWindows } from './rate-limit-windows.js';

/** Shared state the provider and control routes work on. */
export type RouteDeps = { log: RequestLog; scenarios: ScenarioStore; rateLimits: RateLimitWindows };
