import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

// An API process that answers before it has read the whole request (a body past the limit, a
// head past Node's 16 KiB) closes the connection. Closing at once with the request's bytes
// unread makes the kernel send a reset, which can overtake the answer: before the lingering
// close (src/lingering-close.ts), 3% of these bodies and 60% of these heads got EPIPE or
// ECONNRESET instead of their 413 or 431.
describe('a client still sending its request when the API answers', () => {
  let cluster: ApiCluster;
  let headers: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster({ apiCount: 1, workerCount: 0 });
    headers = { ...(await cluster.keyFor('unread')), 'content-type': 'application/json' };
  });
  afterAll(() => cluster.close());

  /** A status and error code, or the socket error the client got instead. */
  async function outcomeOf(path: string, body: string): Promise<string> {
    try {
      const response = await fetch(`${cluster.apis[0]}${path}`, { method: 'POST', headers, body });
      const answer = (await response.json()) as { error?: { code?: string } };
      return `${response.status} ${answer.error?.code}`;
    } catch (error) {
      return String((error as { cause?: { code?: string } }).cause?.code ?? error);
    }
  }

  it('should get its 413 for a body past the limit, never a reset', async () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i += 1) {
      const outcome = await outcomeOf('/api/ai/generate', 'x'.repeat((4 + (i % 20)) * 1_000_000));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ '413 payload_too_large': 200 });
  }, 90_000);

  it('should get its 431, in our error shape, for a head past 16 KiB, never a reset', async () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 40; i += 1) {
      const path = `/api/ai/generate?q=${'x'.repeat((1 + (i % 8)) * 1_000_000)}`;
      const outcome = await outcomeOf(path, '{}');
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ '431 headers_too_large': 40 });
  }, 90_000);
});
