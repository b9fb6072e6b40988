export {
  createAiqMetrics,
  type AiqMetrics,
  type CountableQueue,
  type LedgerGauges,
  type ProviderCall,
  type RateLimitName,
} from './aiq-metrics.js';
