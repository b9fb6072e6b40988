import type { FinishReason } from '../provider.js';

/**
 * Messages API `stop_reason` → unified reason. Documented values: `end_turn`, `stop_sequence`,
 * `max_tokens`, `tool_use`, `pause_turn`, `refusal` (streaming classifiers stopped the answer) and
 * `model_context_window_exceeded` (the output ran into the context window, a length stop).
 */
export function mapAnthropicFinishReason(raw: string | null | undefined): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'end_turn':
    case 'stop_sequence':
      return { unified: 'stop', raw: value };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { unified: 'length', raw: value };
    case 'tool_use':
      return { unified: 'tool-calls', raw: value };
    case 'refusal':
      return { unified: 'content-filter', raw: value };
    default:
      return { unified: 'other', raw: value };
  }
}
