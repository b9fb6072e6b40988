import type { AttemptSuccess } from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';
import { isCacheableFinish, storeCachedResponse } from './response-cache-store.js';

/**
 * The leader's last step: keeps a whole answer for `RESPONSE_CACHE_TTL_MS`. Only a successful
 * call reaches here (a failed, cut-off or cancelled one throws first), and a content-filtered
 * or otherwise abnormal finish is not kept.
 */
export async function storeAnswer(
  deps: WorkerDeps,
  key: string,
  success: AttemptSuccess,
): Promise<void> {
  if (!isCacheableFinish(success.finish)) return;
  try {
    await storeCachedResponse(deps.redis, deps.config.redis.prefix, key, {
      ttlMs: deps.config.responseCache.ttlMs,
      response: {
        text: success.text,
        model: success.model,
        finishReason: success.finishReason,
        finish: success.finish,
        usage: success.usage,
      },
    });
  } catch (error) {
    // The answer is paid for and recorded: a cache that cannot keep it must not fail the task
    // (a retry would pay again). Followers find no answer and one of them calls instead.
    deps.logger.warn({ err: error }, 'response cache: could not store an answer');
  }
}
