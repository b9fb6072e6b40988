/**
 * B5: accepting background tasks. autocannon POSTs the same body from `connections` connections
 * (closed loop) to aiq's `POST /api/ai/background-task` (bearer check, validation, rate limit,
 * the ledger row, the enqueue) and to a bare `node:http` handler that only `queue.add`s it.
 * Both go over HTTP. No worker runs: this is the accept path alone.
 */
import { randomUUID } from 'node:crypto';
import { metric, type BenchmarkResult } from '../results.js';
import { interleave } from '../rounds.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { entryPoint, startNode } from '../system/node-process.js';
import { BENCH_MODEL } from '../workload.js';
import { postLoad, type LoadResult } from './http-load.js';

export interface AcceptParameters {
  /** Seconds of load per side per round. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Concurrent submitters, each waiting for its answer before the next request. */
  readonly connections: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

const BARE_QUEUE = 'bare-background-task';

/** The same body on both sides; `[<id>]` makes each prompt unique. */
const BODY = JSON.stringify({
  type: 'ai_background_generation',
  input: {
    model: BENCH_MODEL,
    messages: [{ role: 'user', content: 'Write a summary of report [<id>].' }],
  },
});

export async function runAccept(
  system: AiqSystem,
  api: AiqProcess,
  parameters: AcceptParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const bare = await startNode(entryPoint('bench/src/baselines/bare-accept-server.ts'), {
    args: ['--redis', system.redisUrl, '--prefix', system.prefix, '--queue', BARE_QUEUE],
    readyPattern: /bare accept server listening on (\d+)/,
  });
  try {
    const key = await system.keyFor(`b5-${randomUUID().slice(0, 8)}`);
    const load = (url: string, headers: Record<string, string>) => (round: { warmup: boolean }) =>
      postLoad({
        url,
        headers,
        body: BODY,
        connections: parameters.connections,
        seconds: round.warmup ? parameters.warmupSeconds : parameters.seconds,
      });
    const rounds = await interleave<LoadResult>({
      label: 'B5',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      aiq: load(`${api.url}/api/ai/background-task`, { authorization: `Bearer ${key}` }),
      baseline: load(`http://127.0.0.1:${bare.ready[1] ?? ''}/api/ai/background-task`, {}),
      describe: (a, b) =>
        `aiq ${a.perSecond.toFixed(0)}/s (p99 ${a.latencyP99} ms), bare ${b.perSecond.toFixed(0)}/s (p99 ${b.latencyP99} ms)`,
    });
    const pick = (key: 'perSecond' | 'latencyP99') =>
      [rounds.aiq.map((round) => round[key]), rounds.baseline.map((round) => round[key])] as const;
    return {
      id: 'B5',
      title: 'accepting background tasks',
      aiqSide:
        'POST /api/ai/background-task with a bearer key (auth, validation, rate limit, ledger row, enqueue); API process alone',
      baselineSide:
        'a bare node:http handler process: JSON.parse and queue.add of the same body, 202',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      parameters: { ...parameters, loadGenerator: 'autocannon' },
      metrics: [
        metric(
          { name: 'accepted', unit: 'tasks/s', better: 'higher', compare: 'ratio' },
          ...pick('perSecond'),
        ),
        metric(
          { name: 'accept latency p99', unit: 'ms', better: 'lower', compare: 'added' },
          ...pick('latencyP99'),
        ),
      ],
      checks: { non2xxAnswers: 0 },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await bare.stop();
  }
}
