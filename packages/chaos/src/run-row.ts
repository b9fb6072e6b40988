import { writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { ChaosRedis, ChaosSystem } from './chaos-system.js';
import { drain, gatherEvidence } from './gather-evidence.js';
import type { LoadGenerator } from './load-generator.js';
import { brokenPromises, reconcile, type Verdict } from './oracle.js';
import { reportRow } from './report.js';
import type { TaskStream } from './sse-client.js';

export interface FinishRowOptions {
  readonly row: string;
  readonly fault: string;
  readonly startedAt: number;
  readonly streams?: readonly TaskStream[];
  readonly notes?: readonly string[];
  /**
   * Broken parts this row is known to show (a bug found and reported, not yet fixed): printed
   * and kept in the report, but not failing the row. Matched against the end of each part.
   */
  readonly knownBroken?: readonly string[];
  /** How long the drain may take. @defaultValue 45 000 ms */
  readonly drainMs?: number;
}

/**
 * The end of every row: drain, gather the evidence, reconcile it, print and keep the table,
 * and fail the test when the promise is broken.
 */
export async function finishRow(
  system: ChaosSystem<ChaosRedis>,
  load: Pick<LoadGenerator, 'log'>,
  {
    row,
    fault,
    startedAt,
    streams = [],
    notes = [],
    knownBroken = [],
    drainMs = 45_000,
  }: FinishRowOptions,
): Promise<Verdict> {
  // Recovery: from the fault's end (this call) until every accepted task has ended.
  const faultEndedAt = Date.now();
  await drain(system, load.log.accepted, drainMs);
  const recoverySeconds = (Date.now() - faultEndedAt) / 1000;
  const records = await Promise.all(streams.map((stream) => stream.done));
  const evidence = await gatherEvidence(system, load.log.accepted, records);
  const verdict = reconcile(evidence);
  if (process.env['CHAOS_EVIDENCE_DIR'] !== undefined) {
    await writeFile(
      `${process.env['CHAOS_EVIDENCE_DIR']}/row-${row}.json`,
      JSON.stringify({ ...evidence, openInRedis: [...evidence.openInRedis] }),
    );
    await writeFile(`${process.env['CHAOS_EVIDENCE_DIR']}/row-${row}.log`, system.output());
  }
  const refused = [...load.log.refused].map(([status, count]) => `${count}×${status}`).join(', ');
  await reportRow({
    row,
    fault,
    verdict,
    seconds: (Date.now() - startedAt) / 1000,
    recoverySeconds,
    notes: [...notes, ...(refused === '' ? [] : [`refused: ${refused}`])],
  });
  const unexpected = brokenPromises(verdict).filter(
    (part) => !knownBroken.some((known) => part.endsWith(known)),
  );
  expect(unexpected, JSON.stringify(verdict, null, 1).slice(0, 4000)).toEqual([]);
  return verdict;
}
