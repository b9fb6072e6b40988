import { describe, expect, it } from 'vitest';
import { extractDirectives, FaultSyntaxError, parseFaultSpec } from './parse-fault-spec.js';

describe('parseFaultSpec', () => {
  it('should read a fault name and its options', () => {
    expect(parseFaultSpec('rate_limit retry_after=2 retry_after_ms=1500')).toEqual({
      fault: 'rate_limit',
      retryAfter: 2,
      retryAfterMs: 1500,
    });
  });

  it('should accept status shorthands, key=value faults and pacing options', () => {
    expect(parseFaultSpec('529')).toEqual({ fault: 'overloaded' });
    expect(
      parseFaultSpec('fault=disconnect, after=3; ttft=100 delay=20 tokens=500 model=any'),
    ).toEqual({
      fault: 'disconnect',
      after: 3,
      ttftMs: 100,
      tokenDelayMs: 20,
      tokens: 500,
      anyModel: true,
    });
  });

  it('should read retry_after=none as "send no retry-after header"', () => {
    expect(parseFaultSpec('rate_limit retry_after=none')).toEqual({
      fault: 'rate_limit',
      retryAfter: null,
    });
  });

  it('should reject unknown faults, options and malformed numbers', () => {
    expect(() => parseFaultSpec('meltdown')).toThrow(FaultSyntaxError);
    expect(() => parseFaultSpec('rate_limit colour=red')).toThrow('unknown option "colour"');
    expect(() => parseFaultSpec('tokens=many')).toThrow('tokens must be a whole number');
    expect(() => parseFaultSpec('model=gpt-9')).toThrow('model only accepts "any"');
  });
});

describe('extractDirectives', () => {
  it('should merge every directive and remove them from the text', () => {
    const extracted = extractDirectives('Write a poem [[mock tokens=5]] about queues [[mock 503]]');
    expect(extracted.spec).toEqual({ tokens: 5, fault: 'service_unavailable' });
    expect(extracted.text).toBe('Write a poem  about queues');
  });

  it('should return no spec for a plain prompt', () => {
    expect(extractDirectives('Hello')).toEqual({ spec: undefined, text: 'Hello' });
  });
});
