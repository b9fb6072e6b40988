import OpenAI from 'openai';
import type { CallScope } from '../call-scope.js';
import type { ErrorContext } from '../error-context.js';
import type {
  FinishReason,
  GenerateRequest,
  Provider,
  ProviderEvent,
  ProviderName,
} from '../provider.js';
import { ProviderError, type ProviderErrorKind } from '../provider-error.js';
import { runProviderStream } from '../run-provider-stream.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { mapOpenAIError, OPENAI_STATUS_KINDS, type StatusKinds } from './map-openai-error.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { OpenAIChatChunk } from './openai-chat-chunk.js';

/** Sent when no key is configured, so a keyless dev setup reaches mock-llm and a real API says 401. */
export const MISSING_API_KEY = 'aiq-no-api-key-configured';

/** Options for {@link createOpenAIProvider}. */
export interface OpenAIProviderOptions {
  /** The key; undefined sends a placeholder (see {@link MISSING_API_KEY}). */
  readonly apiKey: string | undefined;
  /** API base URL including `/v1`, from `ProviderConfig.baseUrl`. */
  readonly baseURL: string;
  /** Which provider this client speaks for. @defaultValue 'openai' */
  readonly name?: Extract<ProviderName, 'openai' | 'deepseek'>;
  /** @defaultValue mapOpenAIFinishReason */
  readonly mapFinishReason?: (raw: string | null | undefined) => FinishReason;
  /** Error kind for a finish whose unified reason is `error`. @defaultValue 'server_error' */
  readonly finishErrorKind?: (raw: string | undefined) => ProviderErrorKind;
  /** @defaultValue OPENAI_STATUS_KINDS */
  readonly statusKinds?: StatusKinds;
  /**
   * Name of the output-budget field. GPT-5 and the o-series refuse `max_tokens`; DeepSeek only
   * documents `max_tokens`. @defaultValue 'max_completion_tokens'
   */
  readonly maxTokensField?: 'max_completion_tokens' | 'max_tokens';
  /** Custom fetch, e.g. for a proxy. @defaultValue globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** Milliseconds the SDK's own timeout trails our deadline by, so ours always fires first. */
const SDK_TIMEOUT_GRACE_MS = 1_000;

/** The request body, without the SDK's types leaking into callers. */
export function toOpenAIRequestBody(
  request: GenerateRequest,
  name: ProviderName,
  maxTokensField: 'max_completion_tokens' | 'max_tokens',
): Record<string, unknown> {
  return {
    model: request.model,
    messages: convertToOpenAIMessages(request.messages),
    [maxTokensField]: request.maxOutputTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...request.providerOptions?.[name],
    stream: true,
    stream_options: { include_usage: true },
  };
}

/**
 * Chat Completions over the official `openai` SDK, streamed. SDK retries are off (retries belong
 * to the queue) and our deadline, not the SDK's timeout, bounds the call.
 */
export function createOpenAIProvider({
  apiKey,
  baseURL,
  name = 'openai',
  mapFinishReason = mapOpenAIFinishReason,
  finishErrorKind = () => 'server_error',
  statusKinds = OPENAI_STATUS_KINDS,
  maxTokensField = 'max_completion_tokens',
  fetch,
}: OpenAIProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: apiKey ?? MISSING_API_KEY,
    baseURL,
    organization: null,
    project: null,
    maxRetries: 0,
    logLevel: 'off',
    ...(fetch === undefined ? {} : { fetch }),
  });
  const context: ErrorContext = { provider: name, secrets: [apiKey] };

  async function* produce(
    request: GenerateRequest,
    scope: CallScope,
  ): AsyncGenerator<ProviderEvent> {
    const body = toOpenAIRequestBody(request, name, maxTokensField);
    const {
      data: stream,
      request_id: requestId,
      response,
    } = await client.chat.completions
      .create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, {
        signal: scope.signal,
        timeout: scope.remainingMs + SDK_TIMEOUT_GRACE_MS,
        maxRetries: 0,
      })
      .withResponse();
    scope.reportHeaders(response.headers);
    let started = false;
    let finishReason: FinishReason | undefined;
    let usage: ProviderEvent | undefined;
    for await (const raw of stream) {
      const chunk = parseChunk(raw);
      if (!started) {
        started = true;
        yield {
          type: 'response-start',
          model: chunk.model ?? request.model,
          requestId: requestId ?? undefined,
        };
      }
      for (const choice of chunk.choices) {
        const text = choice.delta?.content;
        if (text) yield { type: 'text-delta', text };
        if (choice.finish_reason) finishReason = mapFinishReason(choice.finish_reason);
      }
      if (chunk.usage) {
        usage = {
          type: 'usage',
          inputTokens: chunk.usage.prompt_tokens,
          outputTokens: chunk.usage.completion_tokens,
        };
      }
    }
    if (finishReason === undefined) return; // the driver reports a stream that ended early
    if (usage !== undefined) yield usage;
    yield { type: 'finish', finishReason };
  }

  function parseChunk(raw: unknown): OpenAIChatChunk {
    const parsed = OpenAIChatChunk.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new ProviderError({
      kind: 'server_error',
      provider: name,
      message: `${name}: a stream chunk did not match the documented shape`,
    });
  }

  return {
    name,
    stream: (request, options) =>
      runProviderStream(
        {
          provider: name,
          produce: (scope) => produce(request, scope),
          mapError: (error) => mapOpenAIError(error, context, statusKinds),
          finishErrorKind,
        },
        options,
      ),
  };
}
