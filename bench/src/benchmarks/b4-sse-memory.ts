/**
 * B4: memory per concurrent SSE stream on one API process. Clients (the `eventsource` library)
 * open `GET /api/tasks/:id/events` on tasks of their own, up to `streams` at once; the API
 * process's resident memory is read at each step, and the slope of memory over open streams is
 * the cost of one stream. Then every stream gets the same events (`started`, tokens, `done`),
 * published as a worker publishes them, and each client checks it got every event once, in
 * order. Baseline: a bare `node:http` SSE server process writing the same events.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createTaskEventPublisher } from '@aiq/events';
import { metric, type BenchmarkResult } from '../results.js';
import { interleave } from '../rounds.js';
import { slope } from '../stats.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import {
  entryPoint,
  MEMORY_PROBE_OPTIONS,
  probeMemory,
  startNode,
  type NodeProcess,
} from '../system/node-process.js';
import { BENCH_MODEL } from '../workload.js';
import { countBadStreams, openSseClient, openSseClients, type SseClient } from './sse-clients.js';
import { eventsPerStream, streamEventBody } from './sse-workload.js';

export interface SseMemoryParameters {
  /** Streams open at once at the end of each round. */
  readonly streams: number;
  readonly warmupStreams: number;
  /** Memory is read at this many steps up to `streams` (and with none open). */
  readonly steps: number;
  /** Tokens per stream, between `started` and `done`. */
  readonly tokens: number;
  /** Streams being opened at once. */
  readonly openInFlight: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

interface RoundMemory {
  /** Slope of resident memory (after a full GC) over open streams, in KiB per stream. */
  readonly kibPerStream: number;
  /** Slope of the JS heap plus external memory (after a full GC), in KiB per stream. */
  readonly heapKibPerStream: number;
  /** Clients that missed, repeated or reordered an event. */
  readonly badStreams: number;
  /** From the first event sent to the last client's `done`. */
  readonly deliverySeconds: number;
}

interface Side {
  readonly process: NodeProcess;
  open(index: number): Promise<SseClient>;
  /** Sends event `index` of the workload to every stream. */
  emit(index: number): Promise<void>;
}

/** Lets the last streams' first writes settle, then collects garbage and reads the memory. */
async function settledMemory(process: NodeProcess, streams: number) {
  await sleep(200);
  const reading = await probeMemory(process);
  return { streams, rss: reading.rss, heap: reading.heapUsed + reading.external };
}

async function measureSide(side: Side, streams: number, parameters: SseMemoryParameters) {
  const readings = [await settledMemory(side.process, 0)];
  const clients: SseClient[] = [];
  for (let step = 1; step <= parameters.steps; step += 1) {
    const target = Math.round((streams * step) / parameters.steps);
    const offset = clients.length;
    clients.push(
      ...(await openSseClients(target - offset, parameters.openInFlight, (index) =>
        side.open(offset + index),
      )),
    );
    readings.push(await settledMemory(side.process, target));
  }
  const started = performance.now();
  for (let index = 0; index < eventsPerStream(parameters.tokens); index += 1) {
    await side.emit(index);
  }
  const timeout = new AbortController();
  const deadline = sleep(120_000, undefined, { signal: timeout.signal }).then(() => {
    throw new Error(`B4: not every stream got its done within 120 s`);
  });
  deadline.catch(() => undefined); // aborted once every stream is done
  try {
    await Promise.race([Promise.all(clients.map((client) => client.finished)), deadline]);
  } finally {
    timeout.abort();
  }
  const perStream = (key: 'rss' | 'heap') =>
    slope(readings.map((reading) => ({ x: reading.streams, y: reading[key] }))) / 1024;
  return {
    kibPerStream: perStream('rss'),
    heapKibPerStream: perStream('heap'),
    badStreams: countBadStreams(clients, eventsPerStream(parameters.tokens)),
    deliverySeconds: (performance.now() - started) / 1_000,
  } satisfies RoundMemory;
}

/** Tasks of a user of their own, as the ledger holds them once accepted (no job: nothing runs). */
async function createTasks(system: AiqSystem, count: number) {
  const userId = `b4-${randomUUID().slice(0, 8)}`;
  const key = await system.keyFor(userId);
  const input = { model: BENCH_MODEL, messages: [{ role: 'user', content: 'Stream me' }] };
  const rows = await system.database.query<{ id: string }>(
    `INSERT INTO background_tasks (user_id, type, status, input)
     SELECT $1, 'ai_generation', 'pending', $2::jsonb FROM generate_series(1, $3::int)
     RETURNING id`,
    [userId, JSON.stringify(input), count],
  );
  return { key, ids: rows.map((row) => row.id) };
}

async function aiqSide(system: AiqSystem, api: AiqProcess, count: number, tokens: number) {
  const { key, ids } = await createTasks(system, count);
  const publisher = createTaskEventPublisher({ redis: system.redis, prefix: system.prefix });
  return {
    process: api,
    open: (index) =>
      openSseClient(`${api.url}/api/tasks/${ids[index] ?? ''}/events`, {
        authorization: `Bearer ${key}`,
      }),
    async emit(index) {
      const body = streamEventBody(index, tokens);
      await Promise.all(ids.map((id) => publisher.publish(id, body)));
    },
  } satisfies Side;
}

function bareSide(process: NodeProcess, url: string, tokens: number): Side {
  return {
    process,
    open: (index) => openSseClient(`${url}/events/${randomUUID()}-${index}`, {}),
    async emit(index) {
      const response = await fetch(`${url}/emit?index=${index}&tokens=${tokens}`, {
        method: 'POST',
      });
      if (!response.ok) throw new Error(`bare sse server: /emit answered ${response.status}`);
    },
  };
}

/** The soft limit on open files of this process (the API and the bare server inherit it). */
async function openFilesLimit(): Promise<number> {
  const { stdout } = await promisify(execFile)('sh', ['-c', 'ulimit -n']);
  return stdout.trim() === 'unlimited' ? Number.POSITIVE_INFINITY : Number(stdout.trim());
}

export async function runSseMemory(
  system: AiqSystem,
  api: AiqProcess,
  parameters: SseMemoryParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  // Each stream is a socket in this process and one in the server's, beside a few hundred others.
  const limit = await openFilesLimit();
  const streams = Math.min(parameters.streams, limit - 500);
  const bare = await startNode(entryPoint('bench/src/baselines/bare-sse-server.ts'), {
    env: { NODE_OPTIONS: MEMORY_PROBE_OPTIONS },
    readyPattern: /bare sse server listening on (\d+)/,
  });
  try {
    const bareUrl = `http://127.0.0.1:${bare.ready[1] ?? ''}`;
    const count = (warmup: boolean) => (warmup ? parameters.warmupStreams : streams);
    const rounds = await interleave({
      label: 'B4',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      aiq: async ({ warmup }) =>
        measureSide(
          await aiqSide(system, api, count(warmup), parameters.tokens),
          count(warmup),
          parameters,
        ),
      baseline: ({ warmup }) =>
        measureSide(bareSide(bare, bareUrl, parameters.tokens), count(warmup), parameters),
      describe: (a, b) =>
        `aiq ${a.kibPerStream.toFixed(1)} KiB/stream (events in ${a.deliverySeconds.toFixed(1)} s), ` +
        `bare ${b.kibPerStream.toFixed(1)} KiB/stream (${b.deliverySeconds.toFixed(1)} s)`,
    });
    const bad = [...rounds.aiq, ...rounds.baseline].reduce(
      (sum, round) => sum + round.badStreams,
      0,
    );
    if (bad > 0) throw new Error(`B4: ${bad} streams lost, repeated or reordered an event`);
    return {
      id: 'B4',
      title: 'memory per concurrent SSE stream',
      aiqSide: `${streams} EventSource clients on GET /api/tasks/:id/events of one API process (memory after a full GC, slope over ${parameters.steps} steps); events published to Redis as a worker does`,
      baselineSide:
        'the same clients on a bare node:http SSE server process writing the same events',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      parameters: {
        ...parameters,
        streams,
        openFilesLimit: limit,
        eventsPerStream: eventsPerStream(parameters.tokens),
      },
      metrics: [
        metric(
          {
            name: 'resident memory per open stream',
            unit: 'KiB',
            better: 'lower',
            compare: 'ratio',
          },
          rounds.aiq.map((round) => round.kibPerStream),
          rounds.baseline.map((round) => round.kibPerStream),
        ),
        metric(
          {
            name: 'JS heap + external per open stream',
            unit: 'KiB',
            better: 'lower',
            compare: 'ratio',
          },
          rounds.aiq.map((round) => round.heapKibPerStream),
          rounds.baseline.map((round) => round.heapKibPerStream),
        ),
      ],
      checks: { streamsWithALostDuplicateOrReorderedEvent: bad },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await bare.stop();
  }
}
