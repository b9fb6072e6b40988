import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { APICallError, generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

/**
 * The client libraries apps put in front of an OpenAI-compatible endpoint, pointed at aiq's
 * `/v1` on separate API and worker processes, as their documentation configures them: the
 * Vercel AI SDK's OpenAI-compatible provider and LangChain's ChatOpenAI.
 */
describe('/v1 through the Vercel AI SDK and LangChain', () => {
  let cluster: ApiCluster;
  let key: string;
  beforeAll(async () => {
    cluster = await startApiCluster({});
    key = ((await cluster.keyFor('libraries')).authorization ?? '').replace('Bearer ', '');
  });
  afterAll(() => cluster.close());

  /** What the ledger stored as the answer to the one task whose prompt holds `marker`. */
  async function storedText(marker: string): Promise<string | undefined> {
    const read = () =>
      cluster.database.query<{ text: string | null }>(
        `SELECT result->>'text' AS text FROM background_tasks
          WHERE user_id = 'libraries' AND input::text LIKE $1 AND status = 'completed'`,
        [`%${marker}%`],
      );
    // The worker's ledger writes reach Postgres a moment after the answer reaches the client.
    await expect.poll(async () => (await read()).length, { timeout: 10_000 }).toBe(1);
    return (await read())[0]?.text ?? undefined;
  }

  function aiSdk() {
    return createOpenAICompatible({
      name: 'aiq',
      baseURL: `${cluster.apis[0] ?? ''}/v1`,
      apiKey: key,
      includeUsage: true,
    });
  }

  it('should stream a generation to streamText, token by token, with its usage', async () => {
    const result = streamText({
      model: aiSdk()('gpt-5'),
      prompt: 'Vercel stream [[mock tokens=40 delay=5]]',
      maxRetries: 0,
    });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    expect(parts.length).toBeGreaterThan(10);
    const text = parts.join('');
    expect(text).toBe(await storedText('Vercel stream'));
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(40);
  });

  it('should answer generateText in one piece', async () => {
    const { text, usage } = await generateText({
      model: aiSdk()('gpt-5'),
      prompt: 'Vercel whole [[mock tokens=12]]',
      maxRetries: 0,
    });
    expect(text).toBe(await storedText('Vercel whole'));
    expect(usage.outputTokens).toBe(12);
  });

  it("should surface aiq's refusal as the AI SDK's APICallError with the status and message", async () => {
    const failure = await generateText({
      model: aiSdk()('no-such-model'),
      prompt: 'Hello',
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(APICallError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ statusCode: 404 });
    expect((failure as APICallError).message).toMatch(/no-such-model/);
  });

  function langChain() {
    return new ChatOpenAI({
      model: 'gpt-5',
      apiKey: key,
      configuration: { baseURL: `${cluster.apis[0] ?? ''}/v1` },
      maxRetries: 0,
    });
  }

  it("should answer LangChain's ChatOpenAI invoke", async () => {
    const message = await langChain().invoke('LangChain whole [[mock tokens=9]]');
    expect(message.content).toBe(await storedText('LangChain whole'));
    // LangChain's usage, as its docs read it (typed loosely across @langchain/core versions).
    const usage = message.usage_metadata as { output_tokens?: number } | undefined;
    expect(usage?.output_tokens).toBe(9);
  });

  it("should stream to LangChain's ChatOpenAI chunk by chunk", async () => {
    const chunks: string[] = [];
    for await (const chunk of await langChain().stream(
      'LangChain stream [[mock tokens=30 delay=5]]',
    )) {
      if (typeof chunk.content === 'string' && chunk.content !== '') chunks.push(chunk.content);
    }
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.join('')).toBe(await storedText('LangChain stream'));
  });
});
