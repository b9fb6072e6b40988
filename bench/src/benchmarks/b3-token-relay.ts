/**
 * B3: token relay. aiq's `/v1/chat/completions` stream against the openai SDK straight to the
 * mock, for 500 tokens paced at 2 ms (B3: does aiq keep up, and how uneven are its gaps) and for
 * 3,000 tokens with no pacing (B3b: aiq's CPU cost per token, since nothing else limits it).
 */
import { metric, type BenchmarkResult, type Metric } from '../results.js';
import { interleave } from '../rounds.js';
import { median, percentile } from '../stats.js';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { mockDirective } from '../workload.js';
import { openAiClient, timeStream, timeStreams, type StreamTiming } from './stream-timing.js';

export interface TokenRelayParameters {
  readonly tokens: number;
  /** The mock's pause between tokens; 0 sends them as fast as it can. */
  readonly delayMs: number;
  /** Sequential streams per side per round. */
  readonly streams: number;
  readonly warmupRounds: number;
  readonly rounds: number;
}

interface RoundRelay {
  /** Median over the round's streams of tokens ÷ whole stream time. */
  readonly tokensPerSecond: number;
  /** Median whole stream time per token, in µs. */
  readonly microsecondsPerToken: number;
  /** p99 of every gap between chunks in the round. */
  readonly p99GapMs: number;
}

function summarizeRound(timings: readonly StreamTiming[], tokens: number): RoundRelay {
  const totalMs = median(timings.map((timing) => timing.totalMs));
  return {
    tokensPerSecond: tokens / (totalMs / 1_000),
    microsecondsPerToken: (totalMs * 1_000) / tokens,
    p99GapMs: percentile(
      timings.flatMap((timing) => [...timing.gapsMs]),
      99,
    ),
  };
}

function metricsOf(paced: boolean, aiq: RoundRelay[], baseline: RoundRelay[]): Metric[] {
  const pick = (key: keyof RoundRelay) =>
    [aiq.map((r) => r[key]), baseline.map((r) => r[key])] as const;
  const throughput = metric(
    { name: 'relay throughput', unit: 'tokens/s', better: 'higher', compare: 'ratio' },
    ...pick('tokensPerSecond'),
  );
  if (paced) {
    return [
      throughput,
      metric(
        { name: 'gap between tokens p99', unit: 'ms', better: 'lower', compare: 'added' },
        ...pick('p99GapMs'),
      ),
    ];
  }
  return [
    throughput,
    metric(
      { name: 'time per token', unit: 'µs', better: 'lower', compare: 'added' },
      ...pick('microsecondsPerToken'),
    ),
  ];
}

export async function runTokenRelay(
  system: AiqSystem,
  api: AiqProcess,
  parameters: TokenRelayParameters,
): Promise<BenchmarkResult> {
  const began = performance.now();
  const { tokens, delayMs, streams } = parameters;
  const paced = delayMs > 0;
  const id = paced ? 'B3' : 'B3b';
  const aiq = openAiClient(`${api.url}/v1`, await system.keyFor(`b3-${id}`));
  const direct = openAiClient(system.mockOpenAiUrl, 'sk-bench');
  const directive = mockDirective({ tokens, ...(paced ? { delayMs } : {}) });
  const side = (client: typeof aiq) => async () =>
    summarizeRound(
      await timeStreams(streams, () =>
        timeStream(client, { directive, maxTokens: tokens + 100, expectedWords: tokens }),
      ),
      tokens,
    );
  const rounds = await interleave({
    label: id,
    warmupRounds: parameters.warmupRounds,
    rounds: parameters.rounds,
    aiq: side(aiq),
    baseline: side(direct),
    describe: (a, b) =>
      `aiq ${a.tokensPerSecond.toFixed(0)} tokens/s (p99 gap ${a.p99GapMs.toFixed(2)} ms), ` +
      `direct ${b.tokensPerSecond.toFixed(0)} tokens/s (p99 gap ${b.p99GapMs.toFixed(2)} ms)`,
    between: () => system.clearMockLog(),
  });
  return {
    id,
    title: paced
      ? `token relay, ${tokens} tokens at ${delayMs} ms`
      : `burst relay, ${tokens} tokens with no delay`,
    aiqSide: `openai SDK stream through aiq's /v1/chat/completions; throughput = tokens ÷ whole stream time`,
    baselineSide: 'the same openai SDK stream straight to the mock',
    warmupRounds: parameters.warmupRounds,
    rounds: parameters.rounds,
    parameters: { ...parameters },
    metrics: metricsOf(paced, rounds.aiq, rounds.baseline),
    checks: { everyStreamBroughtEveryToken: true },
    seconds: (performance.now() - began) / 1_000,
  };
}
