import type { ErrorReply, MockError } from '../generation/mock-error.js';

/** Anthropic's error envelope: `{"type":"error","error":{"type","message"},"request_id"}`. */
function anthropicError(
  status: number,
  type: string,
  message: string,
  requestId: string,
): ErrorReply {
  return { status, body: { type: 'error', error: { type, message }, request_id: requestId } };
}

/** Anthropic's two context errors: the prompt alone, or prompt plus `max_tokens`, too long. */
function contextLengthMessage(
  promptTokens: number,
  maxTokens: number | undefined,
  limit: number,
): string {
  if (promptTokens > limit || maxTokens === undefined) {
    return `prompt is too long: ${promptTokens} tokens > ${limit} maximum`;
  }
  return `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${maxTokens} > ${limit}, decrease input length or \`max_tokens\` and try again`;
}

/** Renders a {@link MockError} with the status codes and error types of docs.claude.com/en/api/errors. */
export function renderAnthropicError(error: MockError, requestId: string): ErrorReply {
  const reply = (status: number, type: string, message: string) =>
    anthropicError(status, type, message, requestId);
  switch (error.kind) {
    case 'missing_key':
      return reply(401, 'authentication_error', 'x-api-key header is required');
    case 'invalid_key':
      return reply(401, 'authentication_error', 'invalid x-api-key');
    case 'missing_version':
      return reply(400, 'invalid_request_error', 'anthropic-version: header is required');
    case 'invalid_json':
      return reply(
        400,
        'invalid_request_error',
        'There was an issue with the JSON in your request body',
      );
    case 'invalid_body':
      return reply(
        400,
        'invalid_request_error',
        `${error.path}: ${error.missing ? 'Field required' : error.message}`,
      );
    case 'bad_directive':
      return reply(400, 'invalid_request_error', `Invalid mock directive: ${error.message}`);
    case 'model_not_found':
      return reply(404, 'not_found_error', `model: ${error.model}`);
    case 'permission_denied':
      return reply(
        403,
        'permission_error',
        'Your API key does not have permission to use the specified resource.',
      );
    case 'context_length':
      return reply(
        400,
        'invalid_request_error',
        contextLengthMessage(error.promptTokens, error.maxTokens, error.limit),
      );
    case 'rate_limit':
      return reply(
        429,
        'rate_limit_error',
        'This request would exceed the rate limit for your organization (org-mock) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
      );
    case 'insufficient_balance':
      return reply(
        402,
        'billing_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      );
    case 'server_error':
      return reply(500, 'api_error', 'Internal server error');
    case 'bad_gateway':
      return reply(502, 'api_error', 'Bad gateway');
    case 'service_unavailable':
      return reply(503, 'api_error', 'Service unavailable');
    case 'overloaded':
      // 529 is Anthropic's own "overloaded" status; the SDK maps it to OverloadedError.
      return reply(529, 'overloaded_error', 'Overloaded');
  }
}
