/** An error answer of the aiq API: its HTTP status and its stable `code`. */
export class AiqError extends Error {
  override readonly name = 'AiqError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** How long the API asked to wait before trying again (`Retry-After`), if it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth retrying later: rate limits, outages (503) and server errors. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }

  /** Builds the error from a non-2xx response (`{error: {code, message}}`). */
  static async fromResponse(response: Response): Promise<AiqError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    return new AiqError(
      response.status,
      typeof error?.code === 'string' ? error.code : 'http_error',
      typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
      Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0
        ? retryAfterSeconds * 1_000
        : undefined,
    );
  }
}
