export {
  API_KEY_PREFIX,
  DEVELOPMENT_API_KEY,
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
