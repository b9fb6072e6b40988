import { OPENAI_STATUS_KINDS, type StatusKinds } from '../openai/map-openai-error.js';

/**
 * DeepSeek's documented statuses (api-docs.deepseek.com/quick_start/error_codes): 402
 * "Insufficient Balance" (top up; retrying cannot help), 422 "Invalid Parameters", 503 "Server
 * Overloaded". The rest match OpenAI's.
 */
export const DEEPSEEK_STATUS_KINDS: StatusKinds = {
  ...OPENAI_STATUS_KINDS,
  402: 'insufficient_quota',
  422: 'invalid_request',
  503: 'overloaded',
};
