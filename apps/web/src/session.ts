import { AiqError, createAiqClient, type AiqClient } from '@aiq/client';

const KEY_STORAGE = 'aiq.apiKey';

/** The API key kept in this browser, if signed in. */
export function storedApiKey(): string | undefined {
  return localStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function storeApiKey(key: string): void {
  localStorage.setItem(KEY_STORAGE, key);
}

export function forgetApiKey(): void {
  localStorage.removeItem(KEY_STORAGE);
}

/**
 * `pnpm start` prints a URL with `#key=…` for local use: the fragment never reaches a server or
 * a log. The key is kept and the fragment removed from the address bar.
 */
export function signInFromUrlFragment(): void {
  const match = /^#key=(aiq_[\w-]+)$/.exec(window.location.hash);
  if (match?.[1] === undefined) return;
  storeApiKey(match[1]);
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

export function clientFor(apiKey: string): AiqClient {
  return createAiqClient({ baseUrl: window.location.origin, apiKey });
}

/** A JSON call to the API with the key as a bearer token; errors as {@link AiqError}. */
export async function callApi<T>(
  apiKey: string | undefined,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw await AiqError.fromResponse(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A message for an error from {@link callApi} or the client. */
export function describeError(error: unknown): string {
  if (error instanceof AiqError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
