import { randomUUID } from 'node:crypto';
import { bearerKey, isInvalidKey } from '../http/authenticate.js';
import type { ProviderDialect, RateLimitState } from '../http/provider-dialect.js';
import { randomBase62 } from '../http/record-request.js';
import type { RecordedRequest } from '../request-log.js';
import { anthropicMessage, anthropicMessageFrames } from './anthropic-message-frames.js';
import {
  AnthropicMessagesRequest,
  describeAnthropicRequest,
} from './anthropic-messages-request.js';
import { renderAnthropicError } from './render-anthropic-error.js';

const ORGANIZATION_ID = randomUUID();

/**
 * The API key: `x-api-key`, or `Authorization: Bearer` (what `@anthropic-ai/sdk` v1 sends
 * for `apiKey`; the real API accepts both).
 */
function anthropicKey(headers: Headers): string {
  return headers.get('x-api-key') ?? bearerKey(headers) ?? '';
}

/** An RFC 3339 instant `ms` from now, in whole seconds rounded up, as Anthropic sends resets. */
function resetInstant(ms: number): string {
  // Rounded down, a reset 1 s away could read as already past.
  const at = Math.ceil((Date.now() + Math.max(ms, 1)) / 1000) * 1000;
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Anthropic's `anthropic-ratelimit-*` headers; resets are RFC 3339 timestamps. A scripted limit
 * (`entry.rateLimit`) reports its real requests and tokens state; the rest are roomy fixed limits
 * (exhausted on a 429).
 */
function anthropicHeaders(entry: RecordedRequest, rate: RateLimitState): Record<string, string> {
  const headers: Record<string, string> = {
    'request-id': entry.id,
    'anthropic-organization-id': ORGANIZATION_ID,
  };
  // Roomy (a high usage tier), so pacing never slows a test that scripted no limit.
  const limits = {
    requests: 4_000,
    tokens: 4_000_000,
    'input-tokens': 2_000_000,
    'output-tokens': 400_000,
  };
  for (const [name, limit] of Object.entries(limits)) {
    const scripted = name === 'requests' || name === 'tokens' ? entry.rateLimit?.[name] : undefined;
    headers[`anthropic-ratelimit-${name}-limit`] = String(scripted?.limit ?? limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(
      scripted?.remaining ?? (rate.limited ? 0 : limit - 1),
    );
    headers[`anthropic-ratelimit-${name}-reset`] = resetInstant(
      scripted?.resetMs ?? rate.resetSeconds * 1000,
    );
  }
  return headers;
}

/** The api.anthropic.com wire format: `x-api-key` + `anthropic-version`, `request-id`, 529. */
export const anthropicDialect: ProviderDialect<AnthropicMessagesRequest> = {
  provider: 'anthropic',
  schema: AnthropicMessagesRequest,
  authenticate(headers) {
    const key = anthropicKey(headers);
    if (key === '') return { kind: 'missing_key' };
    if (isInvalidKey(key)) return { kind: 'invalid_key', key };
    return headers.get('anthropic-version') ? undefined : { kind: 'missing_version' };
  },
  apiKey: anthropicKey,
  describe: describeAnthropicRequest,
  renderError: renderAnthropicError,
  headers: anthropicHeaders,
  completion: anthropicMessage,
  frames: anthropicMessageFrames,
  streamErrorFallback: { kind: 'overloaded' },
  newResponseId: () => `msg_01${randomBase62(22)}`,
};
