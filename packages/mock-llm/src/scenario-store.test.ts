import { describe, expect, it } from 'vitest';
import { ScenarioStore } from './scenario-store.js';

const STORM = {
  fault: { tokenDelayMs: 5 },
  mix: [
    { share: 0.3, fault: 'rate_limit retry_after=1' },
    { share: 0.1, fault: { fault: 'server_error' as const } },
    { share: 0.05, fault: 'disconnect after=2' },
  ],
};

/** The fault names a storm deals to `count` requests. */
function deal(store: ScenarioStore, count: number): string[] {
  return Array.from({ length: count }, () => store.take('openai')?.fault ?? 'healthy');
}

describe('ScenarioStore storms', () => {
  it('should deal each fault about its share, merged over the scenario fault', () => {
    const store = new ScenarioStore();
    store.add({ ...STORM, seed: 7 });
    const dealt = deal(store, 10_000);
    const share = (name: string) => dealt.filter((fault) => fault === name).length / 10_000;
    expect(share('rate_limit')).toBeCloseTo(0.3, 1);
    expect(share('server_error')).toBeCloseTo(0.1, 1);
    expect(share('disconnect')).toBeCloseTo(0.05, 1);
    expect(share('healthy')).toBeCloseTo(0.55, 1);
    store.clear();
    store.add({ ...STORM, mix: [{ share: 1, fault: 'disconnect after=2' }] });
    expect(store.take('openai')).toEqual({ tokenDelayMs: 5, fault: 'disconnect', after: 2 });
  });

  it('should deal the same faults in the same order for the same seed', () => {
    const first = new ScenarioStore();
    const second = new ScenarioStore();
    const third = new ScenarioStore();
    first.add({ ...STORM, seed: 42 });
    second.add({ ...STORM, seed: 42 });
    third.add({ ...STORM, seed: 43 });
    const dealt = deal(first, 200);
    expect(deal(second, 200)).toEqual(dealt);
    expect(deal(third, 200)).not.toEqual(dealt);
  });

  it('should refuse shares that add up to more than 1', () => {
    const store = new ScenarioStore();
    expect(() =>
      store.add({
        fault: {},
        mix: [
          { share: 0.7, fault: '429' },
          { share: 0.4, fault: '500' },
        ],
      }),
    ).toThrow(/add up to more than 1/);
  });
});
