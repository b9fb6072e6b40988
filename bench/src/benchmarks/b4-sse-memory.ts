/**
 * B4: memory per concurrent SSE stream on one API process. Clients (the `eventsource` library)
 * open `GET /api/tasks/:id/events` on tasks of their own; each round opens `streams / rounds`
 * more on each side, up to `streams` open at once, and reads what the server's memory grew by
 * since none were open, per open stream, after a full GC (the memory probe). Then every stream gets the same events (`started`, tokens,
 * `done`), published as a worker publishes them, and each client checks it got every event
 * once, in order. Baseline: a bare `node:http` SSE server process writing the same events.
 *
 * Rounds grow one crowd instead of opening a new one each (5 × 5,000 openings per side would
 * take most of the suite's 10 minutes); the warm-up opens, feeds and closes a small crowd.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { metric, type BenchmarkResult } from '../results.js';
import { interleave } from '../rounds.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { entryPoint, MEMORY_PROBE_OPTIONS, startNode } from '../system/node-process.js';
import {
  aiqStreams,
  bareStreams,
  growingStreams,
  type Delivery,
  type SseServerSide,
  type StepMemory,
} from './sse-memory-sides.js';
import { eventsPerStream } from './sse-workload.js';

export interface SseMemoryParameters {
  /** Streams open at once after the last round. */
  readonly streams: number;
  /** Streams the warm-up opens, feeds and closes. */
  readonly warmupStreams: number;
  /** Tokens per stream, between `started` and `done`. */
  readonly tokens: number;
  /** Streams being opened at once. */
  readonly openInFlight: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

/**
 * The soft limit on open files of this process, which the API and the bare server inherit
 * (`pnpm bench` raises it to the hard limit first).
 */
async function openFilesLimit(): Promise<number> {
  const { stdout } = await promisify(execFile)('sh', ['-c', 'ulimit -n']);
  return stdout.trim() === 'unlimited' ? 1_048_576 : Number(stdout.trim());
}

export async function runSseMemory(
  system: AiqSystem,
  api: AiqProcess,
  parameters: SseMemoryParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const { tokens, openInFlight, rounds } = parameters;
  // Each stream is a socket in this process and one in the server's, beside a few hundred others.
  const limit = await openFilesLimit();
  const perRound = Math.floor(Math.min(parameters.streams, limit - 500) / rounds);
  const bare = await startNode(entryPoint('bench/src/baselines/bare-sse-server.ts'), {
    env: { NODE_OPTIONS: MEMORY_PROBE_OPTIONS },
    readyPattern: /bare sse server listening on (\d+)/,
  });
  try {
    const bareUrl = `http://127.0.0.1:${bare.ready[1] ?? ''}`;
    const deliveries: Delivery[] = [];
    const warmupCycle = async (side: SseServerSide) => {
      const crowd = growingStreams(side, { tokens, openInFlight });
      const step = await crowd.grow(parameters.warmupStreams);
      deliveries.push(await crowd.deliver());
      return step;
    };
    const measured = {
      aiq: growingStreams(await aiqStreams(system, api, perRound * rounds, tokens), {
        tokens,
        openInFlight,
      }),
      bare: growingStreams(bareStreams(bare, bareUrl, tokens), { tokens, openInFlight }),
    };
    const steps = await interleave<StepMemory>({
      label: 'B4',
      warmupRounds: parameters.warmupRounds,
      rounds,
      aiq: async ({ warmup }) =>
        warmup
          ? warmupCycle(await aiqStreams(system, api, parameters.warmupStreams, tokens))
          : measured.aiq.grow(perRound),
      baseline: ({ warmup }) =>
        warmup ? warmupCycle(bareStreams(bare, bareUrl, tokens)) : measured.bare.grow(perRound),
      describe: (a, b) =>
        `aiq ${a.kibPerStream.toFixed(1)} KiB/stream (heap ${a.heapKibPerStream.toFixed(1)}), ` +
        `bare ${b.kibPerStream.toFixed(1)} KiB/stream (heap ${b.heapKibPerStream.toFixed(1)})`,
    });
    const aiqDelivery = await measured.aiq.deliver();
    const bareDelivery = await measured.bare.deliver();
    deliveries.push(aiqDelivery, bareDelivery);
    const bad = deliveries.reduce((sum, delivery) => sum + delivery.badStreams, 0);
    if (bad > 0) throw new Error(`B4: ${bad} streams lost, repeated or reordered an event`);
    const pick = (key: keyof StepMemory) =>
      [steps.aiq.map((step) => step[key]), steps.baseline.map((step) => step[key])] as const;
    return {
      id: 'B4',
      title: 'memory per concurrent SSE stream',
      aiqSide: `EventSource clients on GET /api/tasks/:id/events of one API process, ${perRound} more per round up to ${perRound * rounds} (memory after a full GC); events published to Redis as a worker does`,
      baselineSide:
        'the same clients on a bare node:http SSE server process writing the same events',
      warmupRounds: parameters.warmupRounds,
      rounds,
      parameters: {
        ...parameters,
        streams: perRound * rounds,
        streamsPerRound: perRound,
        openFilesLimit: limit,
        eventsPerStream: eventsPerStream(tokens),
      },
      metrics: [
        metric(
          {
            name: 'resident memory per open stream',
            unit: 'KiB',
            better: 'lower',
            compare: 'ratio',
          },
          ...pick('kibPerStream'),
        ),
        metric(
          {
            name: 'JS heap + external per open stream',
            unit: 'KiB',
            better: 'lower',
            compare: 'ratio',
          },
          ...pick('heapKibPerStream'),
        ),
      ],
      checks: {
        streamsWithALostDuplicateOrReorderedEvent: bad,
        aiqSecondsToDeliverAllEvents: Number(aiqDelivery.seconds.toFixed(2)),
        bareSecondsToDeliverAllEvents: Number(bareDelivery.seconds.toFixed(2)),
      },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await bare.stop();
  }
}
