import type { FinishReason } from '../provider.js';

/**
 * DeepSeek `finish_reason` → unified reason. Beside OpenAI's values DeepSeek documents
 * `insufficient_system_resource`: "the request is interrupted due to insufficient resource of the
 * inference system" (api-docs.deepseek.com, Create Chat Completion). That is a failure, not an answer.
 */
export function mapDeepSeekFinishReason(raw: string | null | undefined): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'stop':
      return { unified: 'stop', raw: value };
    case 'length':
      return { unified: 'length', raw: value };
    case 'content_filter':
      return { unified: 'content-filter', raw: value };
    case 'tool_calls':
      return { unified: 'tool-calls', raw: value };
    case 'insufficient_system_resource':
      return { unified: 'error', raw: value };
    default:
      return { unified: 'other', raw: value };
  }
}
