import { randomUUID } from 'node:crypto';
import {
  recordRateLimits,
  reserveTokens,
  settleTokens,
  takePacingSlot,
  type ProviderKeyRef,
} from '@aiq/budgets';
import type { ProviderName } from '@aiq/config';
import {
  checkFits,
  parseRateLimitHeaders,
  type ChatMessage,
  type ModelInfo,
  type TokenBudget,
} from '@aiq/providers';
import type { WorkerDeps } from '../worker-deps.js';

/** The call about to be made, as the budgets see it. */
export interface BudgetedCall {
  readonly model: ModelInfo;
  readonly messages: readonly ChatMessage[];
  readonly maxOutputTokens: number;
  /** Epoch ms: the call's deadline; a reservation nobody settles lapses from then. */
  readonly deadlineAt: number;
}

/** Tokens held for a call until {@link settleProviderBudget}. */
export interface HeldTokens {
  readonly ref: ProviderKeyRef;
  readonly id: string;
  readonly tokens: number;
}

/** Go (with the tokens held, when the provider has a budget), or wait and try again. */
export type BudgetGate =
  | { readonly kind: 'go'; readonly held: HeldTokens | undefined }
  | { readonly kind: 'wait'; readonly waitMs: number; readonly reason: 'token-budget' | 'pacing' };

/** Where a provider key's budget and reported limits live. */
function providerKeyRef(deps: WorkerDeps, provider: ProviderName): ProviderKeyRef {
  return {
    prefix: deps.config.redis.prefix,
    provider,
    apiKey: deps.config.providers[provider].apiKey,
  };
}

/**
 * The call's estimate: prompt tokens by the provider's tokenizer (as `checkFits` counts them) and
 * its output budget. Undefined for a call `checkFits` refuses: it fails before any request, in
 * `runProviderAttempt`, with the same error.
 */
function estimateOf(call: BudgetedCall): TokenBudget | undefined {
  try {
    const request = {
      model: call.model.id,
      messages: call.messages,
      maxOutputTokens: call.maxOutputTokens,
    };
    return checkFits(request, call.model);
  } catch {
    return undefined;
  }
}

/**
 * Step 3 of an attempt (before the provider call): reserves the call's estimated tokens from its
 * provider key's budget, then asks the pacing state whether the provider's own reported limits
 * have room. Either can say wait; nothing is held then.
 */
export async function enterProviderBudget(
  deps: WorkerDeps,
  call: BudgetedCall,
): Promise<BudgetGate> {
  const estimate = estimateOf(call);
  if (estimate === undefined) return { kind: 'go', held: undefined };
  const { provider } = call.model;
  const ref = providerKeyRef(deps, provider);
  const tokens = estimate.promptTokens + estimate.maxOutputTokens;
  const perWindow = deps.config.providers[provider].tokensPerMinute;
  let held: HeldTokens | undefined;
  if (perWindow !== undefined) {
    const reservation = await reserveTokens(
      deps.redis,
      { ...ref, tokens: perWindow, windowMs: deps.config.budgets.windowMs },
      { id: randomUUID(), tokens, leaseMs: Math.max(1, call.deadlineAt - Date.now()) },
    );
    if (!reservation.granted) {
      return { kind: 'wait', waitMs: reservation.waitMs, reason: 'token-budget' };
    }
    held = { ref, id: reservation.id, tokens: reservation.tokens };
  }
  const need = {
    requests: 1,
    tokens,
    inputTokens: estimate.promptTokens,
    outputTokens: estimate.maxOutputTokens,
  };
  const pacingMs = await takePacingSlot(deps.redis, ref, need, deps.config.budgets.pacingThreshold);
  if (pacingMs > 0) {
    if (held !== undefined) await settleTokens(deps.redis, held.ref, held.id, 0);
    return { kind: 'wait', waitMs: pacingMs, reason: 'pacing' };
  }
  return { kind: 'go', held };
}

/**
 * Step 5 (after the call): settles the held tokens. A call with reported usage settles to it; one
 * refused before any request was sent releases everything; any other failure keeps the whole
 * reservation, since the provider may have charged the prompt and what it generated (see the
 * `@aiq/budgets` README).
 */
export async function settleProviderBudget(
  deps: WorkerDeps,
  held: HeldTokens | undefined,
  outcome: {
    readonly usage: { inputTokens: number; outputTokens: number } | null;
    readonly sent: boolean;
  },
): Promise<void> {
  if (held === undefined) return;
  const tokens = !outcome.sent
    ? 0
    : outcome.usage === null
      ? held.tokens
      : outcome.usage.inputTokens + outcome.usage.outputTokens;
  await settleTokens(deps.redis, held.ref, held.id, tokens);
}

/**
 * Stores what a provider's response headers report about its limits for this key (every process
 * paces on it). Errors are logged, never thrown: pacing is advice, the call already happened.
 */
export async function recordProviderHeaders(
  deps: WorkerDeps,
  provider: ProviderName,
  headers: Headers,
): Promise<void> {
  const report = parseRateLimitHeaders(headers);
  try {
    await recordRateLimits(deps.redis, providerKeyRef(deps, provider), report);
  } catch (error) {
    deps.logger.warn({ provider, error }, 'could not store the provider-reported rate limits');
  }
}
