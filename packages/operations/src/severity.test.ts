import { describe, expect, it } from 'vitest';
import { assessSeverity, type SeverityInput } from './severity.js';

const calm: SeverityInput = {
  errorsPerMinute: 0,
  providersDown: 0,
  providersTotal: 3,
  p95Ms: 1_000,
  timeouts: 0,
};

describe('assessSeverity: the runbook table', () => {
  it.each<[string, Partial<SeverityInput>, string, RegExp]>([
    ['all providers down', { providersDown: 3 }, 'P0', /all providers down \(3 of 3/],
    ['just above 50 errors/min', { errorsPerMinute: 50.2 }, 'P0', /50\.2 errors\/min > 50/],
    ['exactly 50 errors/min', { errorsPerMinute: 50 }, 'P1', /50 errors\/min ≥ 10/],
    ['one provider down, no errors', { providersDown: 1 }, 'P1', /1 of 3 providers down/],
    ['two providers down, 60 errors/min', { providersDown: 2, errorsPerMinute: 60 }, 'P0', />/],
    ['exactly 10 errors/min', { errorsPerMinute: 10 }, 'P1', /10 errors\/min ≥ 10/],
    ['just under 10 errors/min', { errorsPerMinute: 9.8 }, 'P2', /9\.8 errors\/min ≥ 5/],
    ['exactly 5 errors/min', { errorsPerMinute: 5 }, 'P2', /5 errors\/min ≥ 5/],
    ['slow responses', { p95Ms: 30_001 }, 'P2', /slow responses: p95 30001 ms > 30000/],
    ['p95 at exactly 30 s', { p95Ms: 30_000 }, 'ok', /no errors/],
    ['just under 5 errors/min', { errorsPerMinute: 4.8 }, 'P3', /4\.8 errors\/min < 5/],
    ['a timeout alone', { timeouts: 1 }, 'P3', /0 errors\/min < 5, 1 timeouts/],
    ['nothing wrong', {}, 'ok', /no errors, every provider up/],
    ['no providers configured', { providersTotal: 0, p95Ms: null }, 'ok', /no errors/],
  ])('%s → %s', (_name, change, severity, reason) => {
    const verdict = assessSeverity({ ...calm, ...change });
    expect(verdict.severity).toBe(severity);
    expect(verdict.reason).toMatch(reason);
  });
});
