import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Room above what Redis holds when the limit is set: a few seconds of load fill it. */
const HEADROOM_BYTES = 256 * 1024;

/** Sets `maxmemory` just above what the suite's own Redis uses now; returns the limit. */
async function squeeze(redis: Redis): Promise<number> {
  const memory = await redis.info('memory');
  const used = Number(/^used_memory:(\d+)/m.exec(memory)?.[1]);
  const limit = used + HEADROOM_BYTES;
  await redis.config('SET', 'maxmemory', String(limit));
  return limit;
}

/** Waits until the load generator has seen `status` since `since`, or `timeoutMs` passes. */
async function waitForStatus(
  load: LoadGenerator,
  status: string,
  since: number,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (load.log.outcomes.some((outcome) => outcome.at >= since && outcome.status === status)) {
      return true;
    }
    await sleep(100);
  }
  return false;
}

/** One submission's status and body while Redis refuses writes. */
async function probe(system: ChaosSystem, apiUrl: string) {
  const response = await fetch(`${apiUrl}/api/ai/generate`, {
    method: 'POST',
    headers: { ...system.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5.6-sol', prompt: 'probe', stream: false }),
    signal: AbortSignal.timeout(10_000),
  });
  const body: unknown = await response.json();
  return { status: response.status, body };
}

describe('row 6: Redis out of memory', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should refuse submissions with 503, keep what it stored and resume once memory is freed', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const api = await system.startApi();
    const workers = await Promise.all([system.startWorker(), system.startWorker()]);
    const load = new LoadGenerator(system.headers, () => api.url);
    const options = { mock: 'tokens=20 delay=25', timeoutMs: 10_000 };
    const streams = [load.steady(options, 10), load.steady(options, 10), load.steady(options, 10)];
    await sleep(3_000);

    const redis = new Redis(system.redis.url);
    const squeezedAt = Date.now();
    const limit = await squeeze(redis);
    const refused = await waitForStatus(load, '503', squeezedAt, 20_000);
    // The load reached the limit; finished jobs leaving by retention free a little now and then.
    // Hold Redis full (every write refused) for a steady window in which to judge the answers.
    await redis.config('SET', 'maxmemory', '1');
    const heldAt = Date.now();
    await sleep(4_000);
    const oom = await probe(system, api.url);
    const freedAt = Date.now();
    await redis.config('SET', 'maxmemory', '0');
    redis.disconnect();
    await sleep(5_000);
    await Promise.all(streams.map((stream) => stream.stop()));

    const during = load.log.outcomes.filter(
      (outcome) => outcome.at >= heldAt && outcome.at + outcome.ms < freedAt,
    );
    const statuses = [...new Set(during.map((outcome) => outcome.status))].sort();
    const after = load.log.outcomes.filter((outcome) => outcome.at > freedAt + 1_000);
    const acceptedAfter = after.filter((outcome) => outcome.status.startsWith('2')).length;
    const slowest = Math.max(0, ...during.map((outcome) => outcome.ms));
    const verdict = await finishRow(system, load, {
      row: '6',
      fault: `Redis (noeviction) filled to maxmemory ${Math.round(limit / 1024)} KiB under load and held full 4 s, then raised with CONFIG SET`,
      startedAt,
      notes: [
        `held full: ${during.length} submissions answered ${statuses.join(', ') || 'nothing'}, slowest ${slowest} ms; probe ${oom.status} ${JSON.stringify(oom.body)}`,
        `after CONFIG SET maxmemory 0: ${acceptedAfter} of ${after.length} accepted, no process restarted`,
      ],
    });

    expect(refused, system.output().slice(-4000)).toBe(true);
    expect(during.length).toBeGreaterThan(0);
    // Every write refused: nothing may be accepted, and nothing may be a 500 or a hang.
    expect(statuses.filter((status) => status !== '503' && status !== '429')).toEqual([]);
    expect(slowest).toBeLessThan(5_000);
    expect(oom.status === 503 || oom.status === 429).toBe(true);
    expect(oom.body).toEqual({
      error: { code: expect.any(String) as string, message: expect.any(String) as string },
    });
    expect(acceptedAfter).toBeGreaterThan(0);
    expect(after.every((outcome) => outcome.status.startsWith('2'))).toBe(true);
    // The same processes, never restarted: no crash loop.
    for (const process of [api, ...workers]) expect(process.child.exitCode).toBeNull();
    expect(verdict.completed).toBe(verdict.accepted);
  });

  it('should see the loss under allkeys-lru (negative control)', async () => {
    const startedAt = Date.now();
    // The reconciler would put evicted jobs back from the ledger; out of reach here, so what
    // eviction deletes stays deleted and the oracle must say so.
    system = await startChaosSystem({ env: { RECONCILE_INTERVAL_MS: '86400000' } });
    const api = await system.startApi();
    await Promise.all([system.startWorker(), system.startWorker()]);
    const redis = new Redis(system.redis.url);
    // After start-up, which refuses an evicting Redis: the check bypassed.
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const load = new LoadGenerator(system.headers, () => api.url);
    await load.submitMany(150, { mock: 'tokens=20 delay=50' }, 10);
    // Far below what the waiting jobs need: Redis evicts keys until it fits.
    const memory = await redis.info('memory');
    const used = Number(/^used_memory:(\d+)/m.exec(memory)?.[1]);
    const limit = Math.round(used * 0.6);
    await redis.config('SET', 'maxmemory', String(limit));
    await sleep(2_000);
    const evicted = Number(/^evicted_keys:(\d+)/m.exec(await redis.info('stats'))?.[1]);
    await redis.config('SET', 'maxmemory', '0');
    redis.disconnect();

    const verdict = await finishRow(system, load, {
      row: '6c',
      fault: `negative control: maxmemory-policy allkeys-lru set after start-up, maxmemory cut to ${Math.round(limit / 1024)} KiB under 150 queued tasks, reconciler off`,
      startedAt,
      drainMs: 15_000,
      notes: [`Redis evicted ${evicted} keys`],
      // The loss this control exists to show.
      knownBroken: [
        'lost',
        'inconsistent',
        'written twice',
        'interrupted',
        'violations',
        'bad streams',
      ],
    });
    expect(evicted).toBeGreaterThan(0);
    expect(verdict.lost.length + verdict.inconsistent.length).toBeGreaterThan(0);
  });
});
