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
import { measureCpu } from '../system/process-cpu.js';
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

/** One side's round: the load's figures and the server process's CPU per accepted task. */
interface AcceptRound extends LoadResult {
  readonly cpuPerTaskUs: number;
}

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
    // The server's CPU per accepted task: the cost of the accept path itself, which other work
    // on a shared machine moves far less than it moves the rate.
    const load =
      (pid: number, url: string, headers: Record<string, string>) =>
      async (round: { warmup: boolean }): Promise<AcceptRound> => {
        const { result, cpuMs } = await measureCpu([pid], () =>
          postLoad({
            url,
            headers,
            body: BODY,
            connections: parameters.connections,
            seconds: round.warmup ? parameters.warmupSeconds : parameters.seconds,
          }),
        );
        return {
          ...result,
          cpuPerTaskUs: cpuMs === undefined ? Number.NaN : (cpuMs * 1_000) / result.accepted,
        };
      };
    const rounds = await interleave<AcceptRound>({
      label: 'B5',
      warmupRounds: parameters.warmupRounds,
      rounds: parameters.rounds,
      aiq: load(api.pid, `${api.url}/api/ai/background-task`, { authorization: `Bearer ${key}` }),
      baseline: load(
        bare.pid,
        `http://127.0.0.1:${bare.ready[1] ?? ''}/api/ai/background-task`,
        {},
      ),
      describe: (a, b) =>
        `aiq ${a.perSecond.toFixed(0)}/s (p99 ${a.latencyP99} ms), bare ${b.perSecond.toFixed(0)}/s (p99 ${b.latencyP99} ms)`,
    });
    const pick = (key: 'perSecond' | 'latencyP99' | 'cpuPerTaskUs') =>
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
        metric(
          { name: 'server CPU per accepted task', unit: 'µs', better: 'lower', compare: 'ratio' },
          ...pick('cpuPerTaskUs'),
        ),
      ],
      checks: { non2xxAnswers: 0 },
      seconds: (performance.now() - began) / 1_000,
    };
  } finally {
    await bare.stop();
  }
}
