/**
 * Relays a stream's text deltas as `token` events without waiting on Redis between deltas: the
 * first delta goes out at once, and the deltas that arrive while an event is in flight go out
 * together as the next one. A slow stream still gets one event per delta; a burst costs one
 * publish per Redis round trip instead of one per delta, in order, each text exactly once.
 */
export interface TokenRelay {
  /** Queues a delta. Never throws: a publish that failed is reported by {@link failure} and {@link flush}. */
  push(text: string): void;
  /** The error of a publish that failed, once one has: stop reading the stream. */
  readonly failure: unknown;
  /** Resolves once every pushed delta is published. @throws the first publish's error */
  flush(): Promise<void>;
}

/** A relay over `publish`, which must keep one event's text together and resolve when it is out. */
export function createTokenRelay(publish: (text: string) => Promise<unknown>): TokenRelay {
  let pending = '';
  let inFlight: Promise<void> | undefined;
  let failed = false;
  let failure: unknown;

  const send = (): Promise<void> => {
    const text = pending;
    pending = '';
    return publish(text).then(
      () => {
        inFlight = pending === '' || failed ? undefined : send();
        return inFlight;
      },
      (error: unknown) => {
        failed = true;
        failure = error;
        inFlight = undefined;
      },
    );
  };

  return {
    push(text) {
      if (failed || text === '') return;
      pending += text;
      inFlight ??= send();
    },
    get failure() {
      return failure;
    },
    async flush() {
      while (inFlight !== undefined) await inFlight;
      if (failed) throw failure;
    },
  };
}
