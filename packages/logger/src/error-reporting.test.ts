import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@aiq/config';
import { flushErrorReports, initErrorReporting, reportError } from './error-reporting.js';

// A real aiq key shape (aiq_ + 43 characters) and provider keys: none may reach the ingest.
const API_KEY = `aiq_${'k'.repeat(20)}Zx9_-${'q'.repeat(18)}`;
const PROVIDER_KEY = 'sk-proj-LEAKcanary0123456789abcdef';
const CONFIGURED_KEY = 'anthropic-configured-canary-7788';

/** A local stand-in for Sentry's ingest endpoint: keeps every envelope it is sent. */
async function fakeIngest(): Promise<{ server: Server; port: number; envelopes: string[] }> {
  const envelopes: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const gzipped = request.headers['content-encoding'] === 'gzip';
      envelopes.push((gzipped ? gunzipSync(body) : body).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, envelopes };
}

describe('error reporting', () => {
  let ingest: Awaited<ReturnType<typeof fakeIngest>>;
  beforeAll(async () => {
    ingest = await fakeIngest();
  });
  afterAll(async () => {
    await flushErrorReports();
    ingest.server.close();
  });

  // First: Sentry is process-global, and this test must run before anything initialises it.
  it('should initialise nothing and send nothing without SENTRY_DSN', async () => {
    const config = loadConfig({ OPENAI_API_KEY: PROVIDER_KEY });
    expect(initErrorReporting(config, { name: 'api' })).toBe(false);
    reportError(new Error(`boom with ${PROVIDER_KEY}`), { taskId: 'task-no-dsn' });
    await flushErrorReports();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ingest.envelopes).toEqual([]);
  });

  it('should send an error to the ingest with API keys, provider keys and bearer tokens redacted', async () => {
    const config = loadConfig({
      SENTRY_DSN: `http://public@127.0.0.1:${ingest.port}/1`,
      OPENAI_API_KEY: PROVIDER_KEY,
      ANTHROPIC_API_KEY: CONFIGURED_KEY,
    });
    expect(initErrorReporting(config, { name: 'worker' })).toBe(true);
    const error = new Error(
      `provider refused ${PROVIDER_KEY} for ${API_KEY}; anthropic said ${CONFIGURED_KEY}`,
    );
    reportError(error, {
      taskId: 'task-with-secrets',
      headers: { authorization: `Bearer ${API_KEY}` },
      provider: { apiKey: PROVIDER_KEY },
      note: `Authorization: Bearer ${API_KEY}`,
    });
    await flushErrorReports();
    const sent = ingest.envelopes.join('\n');
    // The event arrived, with its message and context, so the redaction checks below can fail.
    expect(sent).toContain('"type":"event"');
    expect(sent).toContain('provider refused [redacted] for [redacted]; anthropic said [redacted]');
    expect(sent).toContain('task-with-secrets');
    expect(sent).toContain('"role":"worker"');
    expect(sent).not.toContain(API_KEY);
    expect(sent).not.toContain(PROVIDER_KEY);
    expect(sent).not.toContain(CONFIGURED_KEY);
    expect(sent).not.toMatch(/aiq_k|sk-proj-LEAK|canary/);
  });
});
