const REDACTED = '[redacted]';

/**
 * Credentials that can appear in provider text regardless of which key we hold: bearer tokens,
 * OpenAI/DeepSeek `sk-…` keys (OpenAI's 401 message echoes a masked key) and Anthropic
 * `sk-ant-…` keys.
 */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /Bearer\s+[^\s"',]+/gi,
  /\bsk-[A-Za-z0-9_*.-]{6,}/g,
];

/**
 * Removes every occurrence of the given secrets, and anything shaped like a credential, from a
 * message. Provider error messages are third-party text and may quote what we sent them.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    // Very short "secrets" would shred ordinary words; real keys are long.
    if (secret !== undefined && secret.length >= 6) result = result.split(secret).join(REDACTED);
  }
  for (const pattern of CREDENTIAL_PATTERNS) result = result.replace(pattern, REDACTED);
  return result;
}

/**
 * A stand-in for an SDK error safe to keep as `cause`: name and redacted message only. The SDK
 * errors carry response headers and bodies, and undici errors can carry request details.
 */
export function sanitizeCause(error: unknown, secrets: readonly (string | undefined)[]): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const sanitized = new Error(redactSecrets(message, secrets));
  sanitized.name = name;
  return sanitized;
}
