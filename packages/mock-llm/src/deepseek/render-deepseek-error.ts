import type { ErrorReply, MockError } from '../generation/mock-error.js';
import { maskKey } from '../http/authenticate.js';
import { contextLengthMessage } from '../openai/render-openai-error.js';

/**
 * DeepSeek's envelope is OpenAI's, but `code` is almost always `invalid_request_error` and
 * the messages are short (observed: `{"message":"Insufficient Balance","type":"unknown_error",
 * "param":null,"code":"invalid_request_error"}`).
 */
function deepSeekError(status: number, message: string, type: string): ErrorReply {
  return { status, body: { error: { message, type, param: null, code: 'invalid_request_error' } } };
}

/** Renders a {@link MockError} with api-docs.deepseek.com's status codes (400/401/402/422/429/500/503). */
export function renderDeepSeekError(error: MockError): ErrorReply {
  switch (error.kind) {
    case 'missing_key':
      return deepSeekError(401, 'Authentication Fails (no such user)', 'authentication_error');
    case 'invalid_key':
      return deepSeekError(
        401,
        `Authentication Fails, Your api key: ${maskKey(error.key)} is invalid`,
        'authentication_error',
      );
    case 'missing_version':
    case 'invalid_json':
      return deepSeekError(
        400,
        'Failed to parse the request body as JSON',
        'invalid_request_error',
      );
    case 'invalid_body':
      // DeepSeek answers schema violations with 422 Invalid Parameters.
      return deepSeekError(
        422,
        `Failed to deserialize the JSON body into the target type: ${error.path}: ${error.message}`,
        'invalid_request_error',
      );
    case 'bad_directive':
      return deepSeekError(
        400,
        `Invalid mock directive: ${error.message}`,
        'invalid_request_error',
      );
    case 'model_not_found':
      // The real API answers an unknown model with 400 "Model Not Exist", not 404.
      return deepSeekError(400, 'Model Not Exist', 'invalid_request_error');
    case 'permission_denied':
      return deepSeekError(403, 'Permission Denied', 'permission_error');
    case 'context_length':
      return deepSeekError(
        400,
        contextLengthMessage(error.promptTokens, error.maxTokens, error.limit),
        'invalid_request_error',
      );
    case 'rate_limit':
      return deepSeekError(429, 'Rate Limit Reached', 'rate_limit_error');
    case 'insufficient_balance':
      return deepSeekError(402, 'Insufficient Balance', 'unknown_error');
    case 'server_error':
      return deepSeekError(500, 'Server Error', 'server_error');
    case 'bad_gateway':
      return deepSeekError(502, 'Bad Gateway', 'server_error');
    case 'service_unavailable':
    case 'overloaded':
      return deepSeekError(503, 'Server Overloaded', 'server_error');
  }
}
