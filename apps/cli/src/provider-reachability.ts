import type { Config, ProviderName } from '@aiq/config';

/** How long `aiq doctor` waits for a provider's models list. */
const REACH_TIMEOUT_MS = 5_000;

interface Reachability {
  readonly provider: ProviderName;
  /** The models list answered 2xx. */
  readonly ok: boolean;
  /** Round trip of the models list, in ms; null when no answer came. */
  readonly latencyMs: number | null;
  /** `200 OK, 12 models`, `401 Unauthorized`, or the network error; never the key or the body. */
  readonly detail: string;
  readonly url: string;
}

/**
 * The models-list URL and auth headers as each official SDK sends them: OpenAI and DeepSeek take
 * the `/v1` base and a bearer key; Anthropic's base has no `/v1`, and takes `x-api-key` and a version.
 */
function modelsRequest(
  provider: ProviderName,
  baseUrl: string,
  apiKey: string,
): { url: string; headers: Record<string, string> } {
  const base = baseUrl.replace(/\/+$/, '');
  if (provider === 'anthropic') {
    return {
      url: `${base}/v1/models`,
      headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    };
  }
  return { url: `${base}/models`, headers: { authorization: `Bearer ${apiKey}` } };
}

function countModels(body: unknown): string {
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? `, ${data.length} models` : '';
}

/** GETs one provider's models list with its key: reachable, key accepted, and how fast. */
async function reachProvider(
  provider: ProviderName,
  { baseUrl, apiKey }: { baseUrl: string; apiKey: string },
): Promise<Reachability> {
  const { url, headers } = modelsRequest(provider, baseUrl, apiKey);
  const started = performance.now();
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    const latencyMs = Math.round(performance.now() - started);
    const body: unknown = response.ok ? await response.json().catch(() => null) : null;
    if (!response.ok) await response.body?.cancel();
    return {
      provider,
      ok: response.ok,
      latencyMs,
      detail: `${response.status} ${response.statusText}${response.ok ? countModels(body) : ''}`,
      url,
    };
  } catch (error) {
    return { provider, ok: false, latencyMs: null, detail: describeFetchError(error), url };
  }
}

/** undici's `fetch failed` says little: the cause's code (`ECONNREFUSED`), or its message. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause as
    { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } | undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return (error as Error).message;
}

/** Every provider with a key, in parallel; those without one are left out. */
export function reachProviders(config: Config): Promise<Reachability[]> {
  return Promise.all(
    (Object.entries(config.providers) as [ProviderName, Config['providers'][ProviderName]][])
      .filter(([, settings]) => settings.apiKey !== undefined && settings.apiKey !== '')
      .map(([name, settings]) =>
        reachProvider(name, { baseUrl: settings.baseUrl, apiKey: settings.apiKey ?? '' }),
      ),
  );
}
