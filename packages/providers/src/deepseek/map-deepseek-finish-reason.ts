import { mapOpenAIFinishReason } from '../openai/map-openai-finish-reason.js';
import type { FinishReason } from '../provider.js';

/**
 * DeepSeek `finish_reason` → unified reason. Beside OpenAI's values DeepSeek documents
 * `insufficient_system_resource`: "the request is interrupted due to insufficient resource of the
 * inference system" (api-docs.deepseek.com, Create Chat Completion). That is a failure, not an answer;
 * every other value means what it means for OpenAI.
 */
export function mapDeepSeekFinishReason(raw: string | null | undefined): FinishReason {
  if (raw === 'insufficient_system_resource') return { unified: 'error', raw };
  return mapOpenAIFinishReason(raw);
}
