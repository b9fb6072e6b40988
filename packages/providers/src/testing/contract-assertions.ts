import type { MockLlmServer } from '@aiq/mock-llm';
import { expect } from 'vitest';
import type { ProviderName } from '../provider.js';
import type { ProviderError } from '../provider-error.js';

/** The key must appear in none of the ways an error gets printed, logged or stored. */
export function expectKeyAbsent(error: ProviderError, key: string): void {
  const renderings = [
    error.message,
    JSON.stringify(error),
    String(error),
    JSON.stringify(error.toJSON()),
  ];
  if (error.cause instanceof Error) renderings.push(String(error.cause), error.cause.stack ?? '');
  for (const rendering of renderings) expect(rendering).not.toContain(key);
}

/** Waits for the mock to see the last request's connection close, and checks it took < 100 ms. */
export async function expectAbortClosesRequest(
  mock: MockLlmServer,
  provider: ProviderName,
  abortedAt: number,
): Promise<void> {
  const giveUpAt = Date.now() + 2_000;
  let closedAt: number | null = null;
  while (closedAt === null && Date.now() < giveUpAt) {
    closedAt = mock.requests({ provider }).at(-1)?.closedAt ?? null;
    if (closedAt === null) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(closedAt, 'the mock never saw the connection close').not.toBeNull();
  expect((closedAt ?? Infinity) - abortedAt).toBeLessThan(100);
}
