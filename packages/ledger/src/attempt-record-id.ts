import { createHash } from 'node:crypto';

/**
 * A UUID derived from the parts that identify one attempt, so the same attempt always gets the
 * same `ai_requests.id` and is stored once however often it is written (UUID v8 layout: the
 * version and variant bits are set, the rest is SHA-256).
 */
export function attemptRecordId(...parts: readonly (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
