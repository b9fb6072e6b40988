export {
  apiKeyHash,
  pacingKey,
  tokenBudgetKeys,
  type BudgetProvider,
  type ProviderKeyRef,
} from './budget-keys.js';
export {
  reserveTokens,
  settleTokens,
  type ReserveRequest,
  type Reservation,
  type TokenBudget,
} from './token-budget.js';
export {
  RATE_LIMIT_DIMENSIONS,
  recordRateLimits,
  takePacingSlot,
  type PacingNeed,
  type RateLimitDimension,
  type RateLimitReport,
  type RateLimitWindow,
} from './provider-pacing.js';
