/**
 * B5's baseline, as its own process: a bare `node:http` handler that parses the JSON body and
 * `queue.add`s it with a fresh id, answering 202. No auth, validation, rate limit or ledger row:
 * what accepting a task costs over HTTP with nothing around it.
 *
 * `node … bare-accept-server.ts --redis URL --prefix P --queue NAME`; prints
 * `bare accept server listening on PORT`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    prefix: { type: 'string' },
    queue: { type: 'string' },
  },
});

const connection = new Redis(values.redis ?? '', { maxRetriesPerRequest: null });
const queue = new Queue(values.queue ?? '', { connection, prefix: values.prefix ?? '' });

async function readJson(request: IncomingMessage): Promise<object> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
}

const server = createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(404).end();
    return;
  }
  readJson(request)
    .then(async (payload) => {
      const taskId = randomUUID();
      await queue.add('background-task', { ...payload, taskId }, { jobId: taskId });
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ taskId, status: 'pending' }));
    })
    .catch((error: unknown) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'bad_request', message: String(error) } }));
    });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `bare accept server listening on ${(server.address() as AddressInfo).port}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  void queue
    .close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
