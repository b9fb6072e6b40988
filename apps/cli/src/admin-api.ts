import type { Config } from '@aiq/config';
import type { Output } from './output.js';

/** The API's error body (`{"error": {"code", "message"}}`). */
interface ApiErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

/** How long the CLI waits for the admin API before calling it unreachable. */
const TIMEOUT_MS = 10_000;

/**
 * Calls the admin API (`AIQ_API_URL`) with the operator key (`AIQ_API_KEY`) and reports any
 * failure on one line: no key, the API unreachable, or the API's own error code and message
 * (JSON with `--json`). The key goes in the Authorization header and nowhere else.
 * @returns the response body, or undefined after reporting a failure (exit 1)
 */
export async function callAdminApi<T>(
  config: Config,
  output: Output,
  request: { method: 'POST' | 'PUT' | 'DELETE'; path: string; body?: unknown; json: boolean },
): Promise<T | undefined> {
  const fail = (status: number | null, code: string, message: string) => {
    output.error(
      request.json
        ? JSON.stringify({ error: { status, code, message } })
        : `${code}${status === null ? '' : ` (HTTP ${status})`}: ${message}`,
    );
    return undefined;
  };
  const { apiUrl, apiKey } = config.cli;
  if (apiKey === undefined) {
    return fail(
      null,
      'missing_api_key',
      'AIQ_API_KEY is not set: create an operator key with `aiq keys create --user <you> --role operator`',
    );
  }
  const url = new URL(request.path, apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return fail(null, 'api_unreachable', `Cannot reach the aiq API at ${url.origin}: ${reason}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as ApiErrorBody | undefined)?.error;
    return fail(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? (text.slice(0, 200) || response.statusText),
    );
  }
  return body as T;
}
