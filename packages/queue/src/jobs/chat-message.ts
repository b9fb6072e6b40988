import { z } from 'zod';

/** One chat turn, the same for every provider; adapters convert it to their own format. */
export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
