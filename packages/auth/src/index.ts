export {
  API_KEY_PREFIX,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  type GeneratedApiKey,
} from './api-key.js';
export {
  createApiKey,
  ensureApiKey,
  revokeApiKey,
  verifyApiKey,
  type CreatedApiKey,
  type Principal,
} from './api-key-store.js';
