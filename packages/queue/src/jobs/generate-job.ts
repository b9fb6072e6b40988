import { z } from 'zod';
import { ChatMessage } from './chat-message.js';

/** A chat generation on one provider's queue. */
export const GenerateJob = z.object({
  /** Also the BullMQ job id, so enqueueing the same task twice is a no-op. */
  taskId: z.uuid(),
  userId: z.string().min(1),
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Try the model's fallback chain when this provider fails for good. */
  fallback: z.boolean().default(true),
  /** The request's own fallback chain (model ids), replacing the registry's chain for the model. */
  fallbackModels: z.array(z.string().min(1)).optional(),
  /** The response cache: `true` opts in, `false` out; absent, on only at temperature 0. */
  cache: z.boolean().optional(),
  /** Models already tried for this task, first choice first (set when falling back). */
  triedModels: z.array(z.string()).default([]),
  /**
   * The task's `retry_count` when this job was made: which run of the task it is. Part of the
   * ledger ids of its attempts, and its ledger writes are ignored once the task is retried again.
   */
  retry: z.number().int().nonnegative().default(0),
  /** Epoch ms: the deadline of the whole task, across retries and fallbacks. */
  deadlineAt: z.number().int(),
  /**
   * Set for one candidate of an `ai_ensemble` task (a child of its flow): its end is the
   * candidate's, returned to the parent job, and never the task's own end, fallback or dead
   * letter. `size`: how many candidates the ensemble has.
   */
  ensemble: z.object({ size: z.number().int().positive() }).optional(),
});
export type GenerateJob = z.infer<typeof GenerateJob>;
