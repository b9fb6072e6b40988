import { z } from 'zod';

/** The parts of the streamed Messages API events we read (house style R6: parse, never cast). */
const MessageStart = z.object({
  type: z.literal('message_start'),
  message: z.object({
    model: z.string(),
    usage: z.object({ input_tokens: z.number().int().nonnegative() }),
  }),
});

const ContentBlockDelta = z.object({
  type: z.literal('content_block_delta'),
  // `text_delta` carries answer text; `thinking_delta`, `input_json_delta` and others do not.
  delta: z.object({ type: z.string(), text: z.string().optional() }),
});

const MessageDelta = z.object({
  type: z.literal('message_delta'),
  delta: z.object({ stop_reason: z.string().nullish() }),
  usage: z
    .object({
      output_tokens: z.number().int().nonnegative(),
      input_tokens: z.number().int().nonnegative().nullish(),
    })
    .optional(),
});

const MessageStop = z.object({ type: z.literal('message_stop') });

const KNOWN = {
  message_start: MessageStart,
  content_block_delta: ContentBlockDelta,
  message_delta: MessageDelta,
  message_stop: MessageStop,
} as const;

export type AnthropicStreamEvent =
  | z.infer<typeof MessageStart>
  | z.infer<typeof ContentBlockDelta>
  | z.infer<typeof MessageDelta>
  | z.infer<typeof MessageStop>;

/**
 * Parses one event. Returns undefined for event types we do not read (`content_block_start`,
 * `content_block_stop`, future additions); returns an error message for a known type that does
 * not match its documented shape.
 */
export function parseAnthropicStreamEvent(
  value: unknown,
): { event: AnthropicStreamEvent | undefined } | { invalid: string } {
  const type = z.object({ type: z.string() }).safeParse(value);
  if (!type.success) return { invalid: 'an event without a type' };
  const schema = (KNOWN as Record<string, z.ZodType<AnthropicStreamEvent> | undefined>)[
    type.data.type
  ];
  if (schema === undefined) return { event: undefined };
  const parsed = schema.safeParse(value);
  return parsed.success
    ? { event: parsed.data }
    : { invalid: `a ${type.data.type} event of unexpected shape` };
}
