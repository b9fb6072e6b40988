export {
  createAiqMetrics,
  OTHER_MODEL,
  QUEUE_STATES,
  type AiqMetrics,
  type CountableQueue,
  type LedgerGauges,
  type ProviderCall,
  type RateLimitName,
} from './aiq-metrics.js';
