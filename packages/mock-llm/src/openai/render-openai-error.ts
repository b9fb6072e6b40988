import type { ErrorReply, MockError } from '../generation/mock-error.js';
import { maskKey } from '../http/authenticate.js';

/** OpenAI's error envelope: `{"error":{"message","type","param","code"}}`. */
function openAIError(
  status: number,
  message: string,
  type: string,
  code: string | number | null = null,
  param: string | null = null,
): ErrorReply {
  return { status, body: { error: { message, type, param, code } } };
}

/** Wording of OpenAI's context-window error, with or without the completion budget. */
export function contextLengthMessage(
  promptTokens: number,
  maxTokens: number | undefined,
  limit: number,
): string {
  const head = `This model's maximum context length is ${limit} tokens. However, `;
  if (maxTokens === undefined) {
    return `${head}your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`;
  }
  return (
    `${head}you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ` +
    `${maxTokens} in the completion). Please reduce the length of the messages or completion.`
  );
}

/** Renders a {@link MockError} the way api.openai.com does (messages copied from real responses). */
export function renderOpenAIError(error: MockError): ErrorReply {
  switch (error.kind) {
    case 'missing_key':
      return openAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        'invalid_request_error',
      );
    case 'invalid_key':
      return openAIError(
        401,
        `Incorrect API key provided: ${maskKey(error.key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    case 'missing_version':
    case 'invalid_json':
      return openAIError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        'invalid_request_error',
      );
    case 'invalid_body':
      return error.missing
        ? openAIError(
            400,
            `Missing required parameter: '${error.path}'.`,
            'invalid_request_error',
            'missing_required_parameter',
            error.path,
          )
        : openAIError(
            400,
            `Invalid value for '${error.path}': ${error.message}.`,
            'invalid_request_error',
            'invalid_value',
            error.path,
          );
    case 'bad_directive':
      return openAIError(
        400,
        `Invalid mock directive: ${error.message}.`,
        'invalid_request_error',
        'invalid_mock_directive',
        'messages',
      );
    case 'model_not_found':
      return openAIError(
        404,
        `The model \`${error.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
    case 'permission_denied':
      return openAIError(
        403,
        `Project \`proj_mock\` does not have access to model \`${error.model}\``,
        'invalid_request_error',
        'model_not_found',
      );
    case 'context_length':
      return openAIError(
        400,
        contextLengthMessage(error.promptTokens, error.maxTokens, error.limit),
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      );
    case 'rate_limit':
      return openAIError(
        429,
        `Rate limit reached for ${error.model} in organization org-mock on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${error.retryAfter ?? 1}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'requests',
        'rate_limit_exceeded',
      );
    case 'insufficient_balance':
      return openAIError(
        429,
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        'insufficient_quota',
        'insufficient_quota',
      );
    case 'server_error':
      return openAIError(
        500,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
      );
    case 'bad_gateway':
      // Cloudflare's gateway error, as OpenAI clients see it during incidents.
      return openAIError(502, 'Bad gateway.', 'cf_bad_gateway', 502);
    case 'service_unavailable':
      return openAIError(503, 'The server is overloaded or not ready yet.', 'server_error');
    case 'overloaded':
      return openAIError(
        503,
        'The engine is currently overloaded, please try again later.',
        'server_error',
      );
  }
}
