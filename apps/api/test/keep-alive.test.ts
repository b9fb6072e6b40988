import { Agent, fetch, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpApi, type HttpApi } from './harness/http-api.js';

type Client = 'request' | 'fetch';

// What Node's fetch and the openai SDK use: undici, here with one pooled keep-alive connection.
describe('keep-alive connections', () => {
  let api: HttpApi;
  let agent: Agent;
  let authorization: string;
  beforeAll(async () => {
    api = await startHttpApi();
    authorization = `Bearer ${await api.keyFor('keep-alive')}`;
  });
  afterEach(() => agent.close());
  afterAll(() => api.close());

  async function post(client: Client, body: string, key = authorization) {
    const url = `${api.url}/v1/chat/completions`;
    const init = {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: key, 'content-type': 'application/json' },
      body,
    };
    if (client === 'fetch') {
      const response = await fetch(url, init);
      const connection = response.headers.get('connection');
      return { status: response.status, connection, text: await response.text() };
    }
    const response = await request(url, init);
    const connection = response.headers['connection'];
    return { status: response.statusCode, connection, text: await response.body.text() };
  }

  const clients: Client[] = ['request', 'fetch'];

  it.each(clients)(
    'should answer every request on one connection after refusing an oversized body (undici %s)',
    async (client) => {
      agent = new Agent({ connections: 1 });
      const tooLarge = await post(client, `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      expect(tooLarge.status).toBe(413);
      expect(JSON.parse(tooLarge.text)).toMatchObject({ error: { code: 'payload_too_large' } });
      // As nginx does: the unread rest of the body must not be left on a reused connection.
      expect(tooLarge.connection).toBe('close');

      const large = await post(client, `{"pad":"${'x'.repeat(700 * 1024)}"}`);
      expect(large.status).toBe(400);
      expect(large.connection).toBe('keep-alive'); // read in full: the connection stays usable
      const small = await post(client, '{"model":"gpt-5.6-sol","messages":[]}');
      expect(small.status).toBe(400);
      expect(JSON.parse(small.text)).toMatchObject({ error: { code: 'invalid_request' } });
    },
  );

  it.each(clients)(
    'should answer the next request after refusing a large body unread for its key (undici %s)',
    async (client) => {
      agent = new Agent({ connections: 1 });
      const refused = await post(client, `{"pad":"${'x'.repeat(900 * 1024)}"}`, 'Bearer aiq_nope');
      expect(refused.status).toBe(401);
      const next = await post(client, `{"pad":"${'x'.repeat(900 * 1024)}"}`, '');
      expect(next.status).toBe(401);
      const small = await post(client, '{"model":"gpt-5.6-sol","messages":[]}');
      expect(small.status).toBe(400);
    },
  );
});
