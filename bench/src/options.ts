import { parseArgs } from 'node:util';
import type { ThroughputParameters } from './benchmarks/b1-throughput.js';
import type { FirstTokenParameters } from './benchmarks/b2-first-token.js';
import type { TokenRelayParameters } from './benchmarks/b3-token-relay.js';
import type { SseMemoryParameters } from './benchmarks/b4-sse-memory.js';
import type { AcceptParameters } from './benchmarks/b5-accept.js';
import type { BulkRetryParameters } from './benchmarks/b6-bulk-retry.js';
import { BENCHMARK_IDS, type BenchmarkId } from './results.js';

/** The sizes of every benchmark: the full suite, or the quick smoke run. */
interface Sizes {
  readonly B1: ThroughputParameters;
  readonly B2: FirstTokenParameters;
  readonly B3: TokenRelayParameters;
  readonly B3b: TokenRelayParameters;
  readonly B4: SseMemoryParameters;
  readonly B5: AcceptParameters;
  readonly B6: BulkRetryParameters;
}

/**
 * The full suite: at least 5 measured rounds after a warm-up, sized so that the whole run stays
 * under 10 minutes on the project's 2-core machines.
 */
const FULL: Sizes = {
  B1: { tasks: 600, warmupTasks: 300, warmupRounds: 1, rounds: 5, submitters: 20 },
  B2: { requests: 40, warmupRequests: 10, warmupRounds: 1, rounds: 5 },
  B3: { tokens: 500, delayMs: 2, streams: 1, warmupRounds: 1, rounds: 5 },
  B3b: { tokens: 3_000, delayMs: 0, streams: 2, warmupRounds: 1, rounds: 5 },
  B4: {
    streams: 5_000,
    warmupStreams: 300,
    tokens: 3,
    openInFlight: 100,
    warmupRounds: 1,
    rounds: 5,
  },
  B5: { seconds: 3, warmupSeconds: 2, connections: 20, warmupRounds: 1, rounds: 5 },
  B6: { tasks: 100_000, warmupTasks: 2_000, warmupRounds: 1, rounds: 5 },
};

/** `--quick`: two small rounds each, to prove the suite still works (CI), in a minute or two. */
const QUICK: Sizes = {
  B1: { tasks: 100, warmupTasks: 20, warmupRounds: 1, rounds: 2, submitters: 20 },
  B2: { requests: 10, warmupRequests: 3, warmupRounds: 1, rounds: 2 },
  B3: { tokens: 500, delayMs: 2, streams: 1, warmupRounds: 1, rounds: 2 },
  B3b: { tokens: 3_000, delayMs: 0, streams: 1, warmupRounds: 1, rounds: 2 },
  B4: {
    streams: 300,
    warmupStreams: 50,
    tokens: 3,
    openInFlight: 50,
    warmupRounds: 1,
    rounds: 2,
  },
  B5: { seconds: 1, warmupSeconds: 1, connections: 20, warmupRounds: 1, rounds: 2 },
  B6: { tasks: 2_000, warmupTasks: 500, warmupRounds: 1, rounds: 2 },
};

export interface BenchOptions {
  readonly quick: boolean;
  readonly only: ReadonlySet<BenchmarkId>;
  readonly sizes: Sizes;
  /** Results file names under bench/results: `latest` for the full suite, `quick` for --quick. */
  readonly resultsName: string;
  /** `--cpu-prof`: every process started writes a CPU profile under bench/profiles/. */
  readonly cpuProfile: boolean;
}

const USAGE = `usage: pnpm bench [--quick] [--only B1,B2,B3,B3b,B4,B5,B6] [--rounds N]
  --quick   a short smoke run: two small rounds per benchmark (bench/results/quick.*)
  --only    run only these benchmarks (results still go to the same files)
  --rounds  measured rounds of every benchmark (default 5; 2 with --quick)
  --cpu-prof  every process the bench starts writes a V8 CPU profile (bench/profiles/<time>/)`;

function parseOnly(value: string | undefined): Set<BenchmarkId> {
  if (value === undefined) return new Set(BENCHMARK_IDS);
  const ids = value.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !BENCHMARK_IDS.includes(id as BenchmarkId));
  if (unknown.length > 0) throw new Error(`--only: unknown benchmark ${unknown.join(', ')}`);
  return new Set(ids as BenchmarkId[]);
}

function parseRounds(value: string): number {
  const rounds = Number(value);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    throw new Error(`--rounds: expected an integer from 1 to 100, got "${value}"`);
  }
  return rounds;
}

function withRounds(sizes: Sizes, rounds: number): Sizes {
  return {
    B1: { ...sizes.B1, rounds },
    B2: { ...sizes.B2, rounds },
    B3: { ...sizes.B3, rounds },
    B3b: { ...sizes.B3b, rounds },
    B4: { ...sizes.B4, rounds },
    B5: { ...sizes.B5, rounds },
    B6: { ...sizes.B6, rounds },
  };
}

/** Reads the command line; pnpm's `--` separator is ignored. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((argument) => argument !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  const sizes = values.quick ? QUICK : FULL;
  return {
    quick: values.quick,
    only: parseOnly(values.only),
    sizes: values.rounds === undefined ? sizes : withRounds(sizes, parseRounds(values.rounds)),
    // A profiled run is slower than a real one: its figures never replace latest.*.
    resultsName: values['cpu-prof'] ? 'profiled' : values.quick ? 'quick' : 'latest',
    cpuProfile: values['cpu-prof'],
  };
}
