/**
 * What this API process knows of a Postgres outage. While Postgres is unreachable, postgres-js
 * queues every query behind its pool's reconnect attempts, so requests would each wait seconds
 * before failing. Once one request has failed on an unreachable Postgres, requests that need it
 * answer 503 at once instead, until a probe reaches Postgres again.
 */
export interface PostgresOutageLatch {
  /** Postgres was unreachable at the last try, and no probe has reached it since. */
  readonly down: boolean;
  /** Notes a request's failure on an unreachable Postgres, and starts probing. */
  noteFailure(): void;
}

/**
 * A latch that probes with `ping` every `probeMs` while down. A probe that has not answered in
 * `timeoutMs` counts as failed and the next one goes out: a ping stuck on a half-open
 * connection (a partition, a failover) must not keep the API answering 503 for minutes.
 */
export function createPostgresOutageLatch(
  ping: () => Promise<void>,
  { probeMs = 250, timeoutMs = 2_000 }: { probeMs?: number; timeoutMs?: number } = {},
): PostgresOutageLatch {
  let down = false;
  const probe = () => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('probe timed out')), timeoutMs);
      timer.unref();
    });
    Promise.race([ping(), timedOut])
      .finally(() => clearTimeout(timer))
      .then(
        () => {
          down = false;
        },
        () => setTimeout(probe, probeMs).unref(),
      );
  };
  return {
    get down() {
      return down;
    },
    noteFailure() {
      if (down) return;
      down = true;
      probe();
    },
  };
}
