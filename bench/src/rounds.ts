/** Which round a side runs: a warm-up (not recorded) or measured round `index` (from 0). */
interface RoundContext {
  readonly warmup: boolean;
  readonly index: number;
}

export interface InterleaveOptions<T> {
  /** For the progress lines, e.g. `B1`. */
  readonly label: string;
  /** Unrecorded rounds first, each side once per round: JIT, connections and caches warm up. */
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly aiq: (round: RoundContext) => Promise<T>;
  readonly baseline: (round: RoundContext) => Promise<T>;
  /** One line per round on stderr, e.g. `aiq 170 tasks/s, baseline 610 jobs/s`. */
  readonly describe: (aiq: T, baseline: T) => string;
  /** Runs after every side's run (both sides, warm-ups too): clear logs, delete keys. */
  readonly between?: () => Promise<void>;
}

/** Every measured round of each side, in round order. */
export interface Interleaved<T> {
  readonly aiq: T[];
  readonly baseline: T[];
}

const began = performance.now();

/** Progress goes to stderr, with the seconds since the start: stdout carries only the table. */
export function progress(line: string): void {
  const seconds = ((performance.now() - began) / 1_000).toFixed(0).padStart(4);
  process.stderr.write(`[${seconds} s] ${line}\n`);
}

/**
 * Runs aiq and its baseline alternately (A B, B A, A B …): the side that goes first changes every
 * round, so neither always meets the warmer (or the more disturbed) machine. Noise from other
 * work on the host then lands on both sides alike, and the medians compare like with like.
 */
export async function interleave<T>({
  label,
  warmupRounds,
  rounds,
  aiq,
  baseline,
  describe,
  between = () => Promise.resolve(),
}: InterleaveOptions<T>): Promise<Interleaved<T>> {
  const recorded: Interleaved<T> = { aiq: [], baseline: [] };
  const total = warmupRounds + rounds;
  for (let round = 0; round < total; round += 1) {
    const warmup = round < warmupRounds;
    const context: RoundContext = { warmup, index: warmup ? round : round - warmupRounds };
    const aiqFirst = round % 2 === 0;
    const first = await (aiqFirst ? aiq : baseline)(context);
    await between();
    const second = await (aiqFirst ? baseline : aiq)(context);
    await between();
    const [aiqResult, baselineResult] = aiqFirst ? [first, second] : [second, first];
    const name = warmup ? `warm-up ${round + 1}` : `round ${context.index + 1}/${rounds}`;
    progress(`  ${label} ${name}: ${describe(aiqResult, baselineResult)}`);
    if (warmup) continue;
    recorded.aiq.push(aiqResult);
    recorded.baseline.push(baselineResult);
  }
  return recorded;
}
