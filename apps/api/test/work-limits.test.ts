import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

describe('limits on work, over HTTP with a worker', () => {
  let cluster: ApiCluster;
  beforeAll(async () => {
    cluster = await startApiCluster({
      env: {
        RATE_LIMIT_STANDARD_PER_MINUTE: '2',
        GENERATE_RETRY_ATTEMPTS: '2',
        GENERATE_RETRY_BASE_DELAY_MS: '10',
        GENERATE_RETRY_MAX_DELAY_MS: '20',
        API_MAX_BODY_BYTES: String(4 * 1_048_576),
        ANALYZE_MAX_CHUNKS: '4',
      },
    });
  });
  afterAll(() => cluster.close());

  async function complete(headers: Record<string, string>, body: object): Promise<Response> {
    return fetch(`${cluster.apis[0]}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('should count a /v1 request that ran, retried and fell back before ending in 502', async () => {
    const bob = await cluster.keyFor('bob');
    const failing = {
      model: 'gpt-5.6-sol',
      messages: [{ role: 'user', content: 'Hello [[mock server_error]]' }],
    };
    const before = cluster.mock.requests().length;
    for (let index = 0; index < 2; index += 1) {
      const response = await complete(bob, failing);
      expect(response.status).toBe(502);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(1 - index));
    }
    // The work was done: attempts on the model and on its fallbacks.
    expect(cluster.mock.requests().length - before).toBeGreaterThanOrEqual(4);
    const third = await complete(bob, failing);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('should give the point back for a request refused before any work', async () => {
    const carol = await cluster.keyFor('carol');
    const before = cluster.mock.requests().length;
    for (let index = 0; index < 4; index += 1) {
      const refused = await complete(carol, {
        model: 'gpt-1',
        messages: [{ role: 'user', content: 'Hello' }],
      });
      expect(refused.status).toBe(404);
      expect(refused.headers.get('ratelimit-remaining')).toBe('2');
    }
    expect(cluster.mock.requests().length).toBe(before);
  });

  it('should refuse a 1 MiB prompt by its length with context_length_exceeded, before tokenizing it', async () => {
    const dave = await cluster.keyFor('dave');
    const response = await complete(dave, {
      model: 'deepseek-chat',
      // One repeated letter: counting it with o200k_base would hold the event loop for minutes.
      messages: [{ role: 'user', content: 'a'.repeat(1_048_576) }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('prompt of 1048576 characters');
    expect(body.error.message).toContain('not tokenized');
  });

  async function analyze(headers: Record<string, string>, input: object): Promise<Response> {
    return fetch(`${cluster.apis[0]}/api/ai/background-task`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ai_analyze_document', input }),
    });
  }

  it('should refuse an ai_analyze_document chunkTokens below the floor of 256 with 400', async () => {
    const erin = await cluster.keyFor('erin');
    const response = await analyze(erin, {
      model: 'gpt-5',
      document: 'word '.repeat(10_000),
      chunkTokens: 1,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain('chunkTokens');
    expect(body.error.message).toContain('256');
  });

  it('should refuse a document of more chunks than ANALYZE_MAX_CHUNKS with 400 too_many_chunks, naming both', async () => {
    const erin = await cluster.keyFor('erin');
    // 256 tokens make chunks of at most 768 characters: 10 000 characters are 14 chunks.
    const document = 'word '.repeat(2_000);
    const refused = await analyze(erin, { model: 'gpt-5', document, chunkTokens: 256 });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_many_chunks');
    expect(body.error.message).toContain('14 chunks');
    expect(body.error.message).toContain('ANALYZE_MAX_CHUNKS (4)');
    const accepted = await analyze(erin, {
      model: 'gpt-5',
      document: 'word '.repeat(600),
      chunkTokens: 256,
    });
    expect(accepted.status).toBe(202);
  });
});
