/**
 * B1's baseline, as its own process: what a user would write instead of aiq. A bare BullMQ
 * worker making the same streaming openai SDK call to the same mock, reading the stream to its
 * end and storing nothing: no ledger, no events, no retries, no rate limits.
 *
 * `node … bare-worker.ts --redis URL --prefix P --queue NAME --concurrency 8 --base-url URL`
 */
import { parseArgs } from 'node:util';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import OpenAI from 'openai';

interface BareJob {
  model: string;
  messages: { role: 'user'; content: string }[];
}

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    prefix: { type: 'string' },
    queue: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'base-url': { type: 'string' },
  },
});

const connection = new Redis(values.redis ?? '', { maxRetriesPerRequest: null });
const client = new OpenAI({ apiKey: 'sk-bench', baseURL: values['base-url'], maxRetries: 0 });
const worker = new Worker(
  values.queue ?? '',
  async (job: Job<BareJob>) => {
    const stream = await client.chat.completions.create({ ...job.data, stream: true });
    for await (const _chunk of stream) void _chunk;
  },
  { connection, prefix: values.prefix ?? '', concurrency: Number(values.concurrency) },
);
await worker.waitUntilReady();
process.stdout.write('bare worker ready\n');
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
