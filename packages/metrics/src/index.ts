export { createAiqMetrics, type AiqMetrics, type RateLimitName } from './aiq-metrics.js';
export type { ProviderCall } from './provider-call-metrics.js';
export type { CountableQueue, LedgerGauges } from './scrape-gauges.js';
