import { describe, expect, it } from 'vitest';
import { dependencyOutage } from './dependency-unavailable.js';

describe('dependencyOutage', () => {
  it('should call a Redis Cluster failing over a Redis outage, not a bug', () => {
    const moved = new Error(
      'Too many Cluster redirections. Last error: ReplyError: MOVED 4772 127.0.0.1:46469',
    );
    expect(dependencyOutage(moved)).toBe('redis');
    expect(dependencyOutage(new Error('CLUSTERDOWN The cluster is down'))).toBe('redis');
    expect(dependencyOutage(new Error('Failed to refresh slots cache.'))).toBe('redis');
  });

  it('should leave any other error to the 500 handler', () => {
    expect(
      dependencyOutage(new Error('CROSSSLOT Keys in request do not hash to the same slot')),
    ).toBe(undefined);
  });
});
