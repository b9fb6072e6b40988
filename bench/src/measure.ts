/** Throughput of one side of a comparison. */
export interface Measurement {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Runs `operation` `count` times with `concurrency` in flight and times the whole run. */
export async function measure(
  name: string,
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<unknown>,
): Promise<Measurement> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await operation(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { name, operations: count, seconds, perSecond: count / seconds };
}

/** One line per comparison: both rates and aiq's ratio to the baseline. */
export function report(aiq: Measurement, baseline: Measurement): string {
  const ratio = aiq.perSecond / baseline.perSecond;
  return (
    `${aiq.name}: ${aiq.perSecond.toFixed(0)}/s vs ${baseline.name}: ${baseline.perSecond.toFixed(0)}/s ` +
    `→ ratio ${ratio.toFixed(2)} (aiq / baseline)`
  );
}

/** Times one call that handles `operations` items (a bulk operation) as a {@link Measurement}. */
export async function measureOnce(
  name: string,
  operations: number,
  run: () => Promise<unknown>,
): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { name, operations, seconds, perSecond: operations / seconds };
}
