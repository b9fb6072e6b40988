/** What stands in for a text the operator should not read casually: its length. */
function lengthOf(text: unknown): unknown {
  return typeof text === 'string' ? `[${text.length} chars]` : text;
}

function redactMessages(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  return messages.map((message: unknown) =>
    typeof message === 'object' && message !== null && 'content' in message
      ? { ...message, content: lengthOf(message.content) }
      : message,
  );
}

function redactFields(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  if ('messages' in copy) copy['messages'] = redactMessages(copy['messages']);
  if ('document' in copy) copy['document'] = lengthOf(copy['document']);
  return copy;
}

/**
 * A job payload for an operator's screen: everything but what users wrote. Chat messages keep
 * their role and show the length of their content; a document shows its length. Both at the
 * top level (a generation) and under `input` (a background task).
 */
export function redactPayload(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const redacted = redactFields(payload as Record<string, unknown>);
  const input = redacted['input'];
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    redacted['input'] = redactFields(input as Record<string, unknown>);
  }
  return redacted;
}
