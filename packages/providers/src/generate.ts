import type { CallOptions, FinishReason, GenerateRequest, Provider } from './provider.js';
import { ProviderError } from './provider-error.js';

/** The whole answer of a non-streaming call. */
export interface GenerateResult {
  readonly text: string;
  readonly finishReason: FinishReason;
  /** Absent when the provider reported no usage. */
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
  /** The model that answered, as the provider named it. */
  readonly model: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Runs `provider.stream()` to the end and collects the answer. A `finish` (including `length`, a
 * truncated but valid answer) resolves; an `error` event rejects with its ProviderError.
 * @throws ProviderError
 */
export async function generate(
  provider: Provider,
  request: GenerateRequest,
  options: CallOptions,
): Promise<GenerateResult> {
  let text = '';
  let usage: GenerateResult['usage'];
  let model: string | undefined;
  let requestId: string | undefined;
  for await (const event of provider.stream(request, options)) {
    switch (event.type) {
      case 'response-start':
        model = event.model;
        requestId = event.requestId;
        break;
      case 'text-delta':
        text += event.text;
        break;
      case 'usage':
        usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
        break;
      case 'finish':
        return { text, finishReason: event.finishReason, usage, model, requestId };
      case 'error':
        throw event.error;
    }
  }
  // Unreachable for our adapters; a hand-written Provider could still break the contract.
  throw new ProviderError({
    kind: 'server_error',
    provider: provider.name,
    message: `${provider.name}: the stream ended without finish or error`,
  });
}
