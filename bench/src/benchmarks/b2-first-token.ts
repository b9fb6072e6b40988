/**
 * B2: time to first token through aiq's OpenAI-compatible `/v1/chat/completions` (openai SDK,
 * streaming; the mock's first token at 50 ms) against the same SDK straight to the mock. The
 * requests run one at a time: latency, not load. aiq's path: the API accepts and enqueues, the
 * worker calls the mock, the token comes back over Redis pub/sub to the API's SSE response.
 */
import { metric, type BenchmarkResult } from '../results.js';
import { interleave } from '../rounds.js';
import { percentile } from '../stats.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { mockDirective } from '../workload.js';
import { openAiClient, timeStream, timeStreams } from './stream-timing.js';

export interface FirstTokenParameters {
  /** Sequential requests per side per round. */
  readonly requests: number;
  readonly warmupRequests: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

const TTFT_MS = 50;
const TOKENS = 8;

interface RoundTtft {
  readonly p50: number;
  readonly p99: number;
}

export async function runFirstToken(
  system: AiqSystem,
  api: AiqProcess,
  parameters: FirstTokenParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const aiq = openAiClient(`${api.url}/v1`, await system.keyFor('b2'));
  const direct = openAiClient(system.mockOpenAiUrl, 'sk-bench');
  const directive = mockDirective({ tokens: TOKENS, ttftMs: TTFT_MS });
  const side =
    (client: typeof aiq) =>
    async ({ warmup }: { warmup: boolean }) => {
      const count = warmup ? parameters.warmupRequests : parameters.requests;
      const timings = await timeStreams(count, () =>
        timeStream(client, { directive, expectedWords: TOKENS }),
      );
      const ttfts = timings.map((timing) => timing.ttftMs);
      return { p50: percentile(ttfts, 50), p99: percentile(ttfts, 99) } satisfies RoundTtft;
    };
  const rounds = await interleave({
    label: 'B2',
    warmupRounds: parameters.warmupRounds,
    rounds: parameters.rounds,
    aiq: side(aiq),
    baseline: side(direct),
    describe: (a, b) =>
      `aiq p50 ${a.p50.toFixed(1)} ms p99 ${a.p99.toFixed(1)} ms, direct p50 ${b.p50.toFixed(1)} ms p99 ${b.p99.toFixed(1)} ms`,
    between: () => system.clearMockLog(),
  });
  const spec = (name: string) => ({ name, unit: 'ms', better: 'lower', compare: 'added' }) as const;
  return {
    id: 'B2',
    title: 'time to first token',
    aiqSide: `openai SDK stream through aiq's /v1/chat/completions (API → queue → worker → mock → pub/sub → SSE)`,
    baselineSide: 'the same openai SDK stream straight to the mock',
    warmupRounds: parameters.warmupRounds,
    rounds: parameters.rounds,
    parameters: { ...parameters, mockFirstTokenMs: TTFT_MS, tokens: TOKENS },
    metrics: [
      metric(
        spec('time to first token p50'),
        rounds.aiq.map((round) => round.p50),
        rounds.baseline.map((round) => round.p50),
      ),
      metric(
        spec('time to first token p99'),
        rounds.aiq.map((round) => round.p99),
        rounds.baseline.map((round) => round.p99),
      ),
    ],
    checks: { everyStreamComplete: true },
    seconds: (performance.now() - began) / 1_000,
  };
}
