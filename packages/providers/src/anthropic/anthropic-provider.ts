import Anthropic from '@anthropic-ai/sdk';
import type { CallScope } from '../call-scope.js';
import type { ErrorContext } from '../error-context.js';
import { MISSING_API_KEY } from '../openai/openai-provider.js';
import type { FinishReason, GenerateRequest, Provider, ProviderEvent } from '../provider.js';
import { ProviderError } from '../provider-error.js';
import { runProviderStream } from '../run-provider-stream.js';
import { parseAnthropicStreamEvent } from './anthropic-stream-event.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { mapAnthropicError } from './map-anthropic-error.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

/** Options for {@link createAnthropicProvider}. */
export interface AnthropicProviderOptions {
  /** The key; undefined sends a placeholder, as the OpenAI adapter does. */
  readonly apiKey: string | undefined;
  /** API base URL without `/v1` (the SDK appends `/v1/messages`), from `ProviderConfig.baseUrl`. */
  readonly baseURL: string;
  readonly fetch?: typeof globalThis.fetch;
}

const SDK_TIMEOUT_GRACE_MS = 1_000;

/** The Messages API request body, streamed, with the system prompt as top-level `system`. */
export function toAnthropicRequestBody(request: GenerateRequest): Record<string, unknown> {
  const { system, messages } = convertToAnthropicMessages(request.messages);
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    messages,
    ...(system === undefined ? {} : { system }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...request.providerOptions?.anthropic,
    stream: true,
  };
}

/**
 * Messages API over the official `@anthropic-ai/sdk`, streamed with `messages.create({stream:
 * true})`: the raw event stream, without `MessageStream`'s extra buffering. SDK retries are off.
 */
export function createAnthropicProvider({
  apiKey,
  baseURL,
  fetch,
}: AnthropicProviderOptions): Provider {
  const key = apiKey ?? MISSING_API_KEY;
  const client = new Anthropic({
    apiKey: key,
    baseURL,
    // The SDK (1.14) sends the key as `Authorization: Bearer`; the API reference documents
    // `x-api-key`. Sending both keeps proxies and gateways that read only `x-api-key` working.
    defaultHeaders: { 'x-api-key': key },
    maxRetries: 0,
    logLevel: 'off',
    ...(fetch === undefined ? {} : { fetch }),
  });
  const context: ErrorContext = { provider: 'anthropic', secrets: [apiKey] };

  async function* produce(
    request: GenerateRequest,
    scope: CallScope,
  ): AsyncGenerator<ProviderEvent> {
    const body = toAnthropicRequestBody(request);
    const {
      data: stream,
      request_id: requestId,
      response,
    } = await client.messages
      .create(body as unknown as Anthropic.MessageCreateParamsStreaming, {
        signal: scope.signal,
        timeout: scope.remainingMs + SDK_TIMEOUT_GRACE_MS,
        maxRetries: 0,
      })
      .withResponse();
    scope.reportHeaders(response.headers);
    let inputTokens = 0;
    let outputTokens: number | undefined;
    let finishReason: FinishReason | undefined;
    for await (const raw of stream) {
      const parsed = parseAnthropicStreamEvent(raw);
      if ('invalid' in parsed) {
        throw new ProviderError({
          kind: 'server_error',
          provider: 'anthropic',
          message: `anthropic: the stream held ${parsed.invalid}`,
        });
      }
      const event = parsed.event;
      if (event === undefined) continue;
      switch (event.type) {
        case 'message_start':
          inputTokens = event.message.usage.input_tokens;
          yield {
            type: 'response-start',
            model: event.message.model,
            requestId: requestId ?? undefined,
          };
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta' && event.delta.text)
            yield { type: 'text-delta', text: event.delta.text };
          break;
        case 'message_delta':
          if (event.delta.stop_reason)
            finishReason = mapAnthropicFinishReason(event.delta.stop_reason);
          if (event.usage) {
            outputTokens = event.usage.output_tokens;
            inputTokens = event.usage.input_tokens ?? inputTokens;
          }
          break;
        case 'message_stop':
          if (finishReason === undefined) return; // no stop_reason: the driver reports an early end
          if (outputTokens !== undefined) yield { type: 'usage', inputTokens, outputTokens };
          yield { type: 'finish', finishReason };
          return;
      }
    }
  }

  return {
    name: 'anthropic',
    stream: (request, options) =>
      runProviderStream(
        {
          provider: 'anthropic',
          produce: (scope) => produce(request, scope),
          mapError: (error) => mapAnthropicError(error, context),
        },
        options,
      ),
  };
}
