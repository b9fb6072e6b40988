import type { CallOptions, GenerateRequest, Provider, ProviderEvent } from '../provider.js';
import { ProviderError } from '../provider-error.js';

/** Every event of one stream, and the terminal one, for assertions. */
export interface CollectedStream {
  readonly events: readonly ProviderEvent[];
  readonly text: string;
  readonly terminal: ProviderEvent;
  /** The terminal error, or undefined when the stream finished. */
  readonly error: ProviderError | undefined;
  readonly partialTextLength: number | undefined;
}

/** Drains `provider.stream()`. Fails loudly if the stream throws or ends without a terminal event. */
export async function collectStream(
  provider: Provider,
  request: GenerateRequest,
  options: CallOptions,
): Promise<CollectedStream> {
  const events: ProviderEvent[] = [];
  for await (const event of provider.stream(request, options)) events.push(event);
  const terminal = events.at(-1);
  if (terminal === undefined || (terminal.type !== 'finish' && terminal.type !== 'error')) {
    throw new Error(`stream ended without a terminal event: ${JSON.stringify(events)}`);
  }
  const text = events.map((event) => (event.type === 'text-delta' ? event.text : '')).join('');
  return {
    events,
    text,
    terminal,
    error: terminal.type === 'error' ? terminal.error : undefined,
    partialTextLength: terminal.type === 'error' ? terminal.partialTextLength : undefined,
  };
}

/** Call options with a fresh, never-aborted signal and a deadline `ms` from now. */
export function callOptions(
  ms = 10_000,
  signal: AbortSignal = new AbortController().signal,
): CallOptions {
  return { signal, deadlineAt: Date.now() + ms };
}

/** The error a collected stream ended with; throws when it finished instead. */
export function errorOf(collected: CollectedStream): ProviderError {
  if (collected.error === undefined || !ProviderError.isInstance(collected.error)) {
    throw new Error(`expected an error, got ${JSON.stringify(collected.terminal)}`);
  }
  return collected.error;
}
