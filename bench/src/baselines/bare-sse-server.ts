/**
 * B4's baseline, as its own process: a bare `node:http` SSE server holding one response per
 * client and writing the same events aiq's streams carry. No auth, no ledger, no Redis, no
 * leases: what a stream costs with nothing around it.
 *
 * `GET /events/:taskId` opens a stream; `POST /emit?index=N&tokens=T` writes event N of the
 * workload to every open stream (and ends them after `done`), answering with how many it wrote.
 * Prints `bare sse server listening on PORT`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamEventBody } from '../benchmarks/sse-workload.js';

interface Stream {
  readonly taskId: string;
  sequence: number;
}

const streams = new Map<ServerResponse, Stream>();

function emit(index: number, tokens: number): number {
  const body = streamEventBody(index, tokens);
  let written = 0;
  for (const [response, stream] of streams) {
    stream.sequence += 1;
    const event = { ...body, taskId: stream.taskId, sequence: stream.sequence, at: Date.now() };
    response.write(
      `event: ${body.type}\nid: ${stream.sequence}\ndata: ${JSON.stringify(event)}\n\n`,
    );
    written += 1;
    if (body.type === 'done') {
      streams.delete(response);
      response.end();
    }
  }
  return written;
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const taskId = /^\/events\/([^/]+)$/.exec(url.pathname)?.[1];
  if (request.method === 'GET' && taskId !== undefined) {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write('retry: 1000\n\n');
    streams.set(response, { taskId, sequence: 0 });
    request.on('close', () => streams.delete(response));
    return;
  }
  if (request.method === 'POST' && url.pathname === '/emit') {
    const written = emit(
      Number(url.searchParams.get('index')),
      Number(url.searchParams.get('tokens')),
    );
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ written }));
    return;
  }
  response.writeHead(404).end();
});
// Thousands of idle streams: no request or keep-alive timeout may end them.
server.requestTimeout = 0;
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`bare sse server listening on ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
