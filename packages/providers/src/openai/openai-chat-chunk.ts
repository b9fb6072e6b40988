import { z } from 'zod';

/**
 * The parts of a streamed `chat.completion.chunk` we read (house style R6: parse, never cast).
 * With `stream_options.include_usage`, the last chunk has empty `choices` and the `usage`.
 */
export const OpenAIChatChunk = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            // DeepSeek's reasoner streams its chain of thought here; it is not part of the answer.
            reasoning_content: z.string().nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
    })
    .nullish(),
});
export type OpenAIChatChunk = z.infer<typeof OpenAIChatChunk>;
