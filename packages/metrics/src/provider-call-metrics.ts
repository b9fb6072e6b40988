import { Counter, Histogram, type Registry } from 'prom-client';

/** One provider call as `run-provider-attempt.ts` records it. */
export interface ProviderCall {
  readonly provider: string;
  readonly model: string;
  /** `completed`, `failed`, `timeout` or `cancelled` (the `ai_requests.status` of the call). */
  readonly status: string;
  /** The `ai_requests.error_code` (a `TaskErrorCode`); null for a success. */
  readonly errorCode: string | null;
  readonly durationMs: number;
  /** Null when no text arrived. */
  readonly ttftMs: number | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly costUsd: number | null;
}

/** Seconds: provider calls run from well under a second to the 120 s deadline. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * Defines the per-call metrics (`aiq_provider_*`) on `registry` and returns their one recorder.
 * `model` maps an id to its label (the id, or `other` outside the registry).
 */
export function defineProviderCallMetrics(
  registry: Registry,
  model: (id: string) => string,
): (call: ProviderCall) => void {
  const registers = [registry];
  const requests = new Counter({
    name: 'aiq_provider_requests_total',
    help: 'Provider calls by provider, model, status and error_code (none for a success).',
    labelNames: ['provider', 'model', 'status', 'error_code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'aiq_provider_request_duration_seconds',
    help: 'Duration of provider calls, from the request to the last event.',
    labelNames: ['provider', 'model', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const ttft = new Histogram({
    name: 'aiq_provider_time_to_first_token_seconds',
    help: 'Time from a provider request to its first text delta.',
    labelNames: ['provider', 'model'] as const,
    buckets: TTFT_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'aiq_provider_tokens_total',
    help: 'Tokens the providers reported, by direction (input or output).',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: 'aiq_provider_cost_usd_total',
    help: 'Estimated cost of provider calls in US dollars, from the model registry prices.',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  return (call) => {
    const labels = { provider: call.provider, model: model(call.model) };
    requests.inc({ ...labels, status: call.status, error_code: call.errorCode ?? 'none' });
    duration.observe({ ...labels, status: call.status }, call.durationMs / 1000);
    if (call.ttftMs !== null) ttft.observe(labels, call.ttftMs / 1000);
    if (call.inputTokens !== null) tokens.inc({ ...labels, direction: 'input' }, call.inputTokens);
    if (call.outputTokens !== null)
      tokens.inc({ ...labels, direction: 'output' }, call.outputTokens);
    if (call.costUsd !== null) cost.inc(labels, call.costUsd);
  };
}
