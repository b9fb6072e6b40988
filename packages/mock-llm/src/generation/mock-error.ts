import type { FaultSpec } from '../fault-spec.js';

/**
 * Every error the mock can answer with, independent of provider. Each provider renders it
 * in its own documented status and body (`render-openai-error.ts`, `render-anthropic-error.ts`…).
 */
export type MockError =
  | { kind: 'missing_key' }
  | { kind: 'invalid_key'; key: string }
  | { kind: 'missing_version' }
  | { kind: 'invalid_json' }
  | { kind: 'invalid_body'; path: string; message: string; missing: boolean }
  | { kind: 'bad_directive'; message: string }
  | { kind: 'model_not_found'; model: string }
  | { kind: 'permission_denied'; model: string }
  | { kind: 'context_length'; promptTokens: number; maxTokens: number | undefined; limit: number }
  | { kind: 'rate_limit'; model: string; retryAfter: number | null }
  | { kind: 'insufficient_balance' }
  | { kind: 'server_error' }
  | { kind: 'bad_gateway' }
  | { kind: 'service_unavailable' }
  | { kind: 'overloaded' };

/** An error ready to send: status and JSON body. Headers are added by the caller. */
export type ErrorReply = { status: number; body: unknown };

/** What a fault needs to know about the request to render its error. */
export type FaultErrorContext = {
  model: string;
  key: string;
  promptTokens: number;
  maxTokens: number | undefined;
  contextWindow: number;
};

/** Seconds for the `retry-after` header: the spec's value, or 1 s for a rate limit. */
function retryAfterOf(fault: FaultSpec): number | null {
  if (fault.retryAfter !== undefined) return fault.retryAfter;
  return fault.fault === 'rate_limit' ? 1 : null;
}

/** Turns an HTTP-level fault into the error to render; undefined for stream and finish faults. */
export function faultToMockError(
  fault: FaultSpec,
  context: FaultErrorContext,
): MockError | undefined {
  switch (fault.fault) {
    case 'rate_limit':
      return { kind: 'rate_limit', model: context.model, retryAfter: retryAfterOf(fault) };
    case 'invalid_key':
      return { kind: 'invalid_key', key: context.key };
    case 'permission_denied':
      return { kind: 'permission_denied', model: context.model };
    case 'model_not_found':
      return { kind: 'model_not_found', model: context.model };
    case 'context_length':
      // Report a prompt just over the window, as a real oversized prompt would be.
      return {
        kind: 'context_length',
        promptTokens: context.contextWindow + context.promptTokens,
        maxTokens: context.maxTokens,
        limit: context.contextWindow,
      };
    case 'insufficient_balance':
    case 'server_error':
    case 'bad_gateway':
    case 'service_unavailable':
    case 'overloaded':
      return { kind: fault.fault };
    default:
      return undefined;
  }
}
