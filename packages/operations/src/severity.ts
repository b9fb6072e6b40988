/** The runbook's severity levels (Impact Assessment → Severity Levels), and `ok` for none. */
export type Severity = 'P0' | 'P1' | 'P2' | 'P3' | 'ok';

export interface SeverityInput {
  /** Errors (failed or timed-out requests) per minute, over the recent window. */
  readonly errorsPerMinute: number;
  /** Providers whose own circuit is open or that are disabled fleet-wide. */
  readonly providersDown: number;
  /** Providers configured in all. */
  readonly providersTotal: number;
  /** p95 latency over the window, in ms; null with no requests. */
  readonly p95Ms: number | null;
  /** Timed-out requests in the window. */
  readonly timeouts: number;
}

export interface SeverityVerdict {
  readonly severity: Severity;
  /** Which of the table's indicators decided it, in words. */
  readonly reason: string;
}

/** The runbook's "P95 latency >30 seconds": what counts as slow responses (P2). */
const SLOW_P95_MS = 30_000;

const rate = (perMinute: number) => `${Math.round(perMinute * 10) / 10} errors/min`;

/**
 * The runbook's table, top row first:
 *
 * | P0 | all AI features down, > 50 errors/min |
 * | P1 | one provider down, 10–50 errors/min   |
 * | P2 | slow responses, 5–10 errors/min       |
 * | P3 | occasional timeouts, < 5 errors/min   |
 *
 * Either indicator of a row is enough. "Down" is a provider's circuit open or its disabled switch.
 */
export function assessSeverity(input: SeverityInput): SeverityVerdict {
  const { errorsPerMinute, providersDown, providersTotal, p95Ms, timeouts } = input;
  const down = `${providersDown} of ${providersTotal} providers down`;
  if (providersTotal > 0 && providersDown >= providersTotal) {
    return { severity: 'P0', reason: `all providers down (${down})` };
  }
  if (errorsPerMinute > 50) return { severity: 'P0', reason: `${rate(errorsPerMinute)} > 50` };
  if (providersDown > 0) return { severity: 'P1', reason: down };
  if (errorsPerMinute >= 10) return { severity: 'P1', reason: `${rate(errorsPerMinute)} ≥ 10` };
  if (errorsPerMinute >= 5) return { severity: 'P2', reason: `${rate(errorsPerMinute)} ≥ 5` };
  if (p95Ms !== null && p95Ms > SLOW_P95_MS) {
    return {
      severity: 'P2',
      reason: `slow responses: p95 ${Math.round(p95Ms)} ms > ${SLOW_P95_MS}`,
    };
  }
  if (errorsPerMinute > 0 || timeouts > 0) {
    return {
      severity: 'P3',
      reason: `${rate(errorsPerMinute)} < 5${timeouts > 0 ? `, ${timeouts} timeouts` : ''}`,
    };
  }
  return { severity: 'ok', reason: 'no errors, every provider up' };
}
