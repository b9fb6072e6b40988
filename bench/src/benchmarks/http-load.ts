import autocannon from 'autocannon';

export interface PostLoadOptions {
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** JSON text; `[<id>]` in it becomes a fresh id per request (autocannon's idReplacement). */
  readonly body: string;
  /** Requests in flight at once: one per connection. */
  readonly connections: number;
  /** Stop after this many requests … */
  readonly amount?: number;
  /** … or after this many seconds. */
  readonly seconds?: number;
}

/** What a load run measured: only 2xx answers count as accepted. */
export interface LoadResult {
  readonly accepted: number;
  readonly seconds: number;
  /** Accepted requests per second over the run. */
  readonly perSecond: number;
  /** Response latency percentiles in ms (autocannon's HDR histogram, 1 ms resolution). */
  readonly latencyP50: number;
  readonly latencyP99: number;
}

/**
 * POSTs `body` with autocannon from `connections` connections, each sending its next request
 * when the last is answered (closed loop, as submitters waiting on `202` do). Any answer other
 * than 2xx, or a connection error, fails the run: a benchmark of refused requests measures
 * nothing. The first refusal's body is fetched again to say why.
 */
export async function postLoad({
  url,
  headers = {},
  body,
  connections,
  amount,
  seconds,
}: PostLoadOptions): Promise<LoadResult> {
  const allHeaders = { 'content-type': 'application/json', ...headers };
  const result = await autocannon({
    url,
    method: 'POST',
    headers: allHeaders,
    body,
    idReplacement: body.includes('[<id>]'),
    connections,
    ...(amount === undefined ? { duration: seconds ?? 5 } : { amount }),
    timeout: 30,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    const sample = await fetch(url, {
      method: 'POST',
      headers: allHeaders,
      body: body.replaceAll('[<id>]', 'sample'),
    });
    throw new Error(
      `${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors; one more answered ` +
        `${sample.status} ${(await sample.text()).slice(0, 300)}`,
    );
  }
  const accepted = result['2xx'];
  return {
    accepted,
    seconds: result.duration,
    perSecond: accepted / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}
