import type { FinishReason } from '../provider.js';

/**
 * Chat Completions `finish_reason` → unified reason. Documented values: `stop`, `length`,
 * `content_filter`, `tool_calls`, and the deprecated `function_call`.
 */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'stop':
      return { unified: 'stop', raw: value };
    case 'length':
      return { unified: 'length', raw: value };
    case 'content_filter':
      return { unified: 'content-filter', raw: value };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw: value };
    default:
      return { unified: 'other', raw: value };
  }
}
