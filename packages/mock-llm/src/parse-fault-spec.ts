import { FaultKind, FaultSpec } from './fault-spec.js';

/** Thrown for a directive, header or scenario string that does not follow the grammar. */
export class FaultSyntaxError extends Error {
  override readonly name = 'FaultSyntaxError';
}

// HTTP status shorthands, so `x-mock-fault: 529` reads like the incident it reproduces.
const STATUS_ALIASES: Readonly<Record<string, FaultKind>> = {
  '401': 'invalid_key',
  '402': 'insufficient_balance',
  '403': 'permission_denied',
  '404': 'model_not_found',
  '429': 'rate_limit',
  '500': 'server_error',
  '502': 'bad_gateway',
  '503': 'service_unavailable',
  '529': 'overloaded',
};

const DIRECTIVE_PATTERN = /\[\[mock\b([^\]]*)\]\]/gi;

function toFaultKind(word: string): FaultKind {
  const alias = STATUS_ALIASES[word];
  if (alias) return alias;
  const parsed = FaultKind.safeParse(word);
  if (!parsed.success) throw new FaultSyntaxError(`unknown fault "${word}"`);
  return parsed.data;
}

function toCount(key: string, value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new FaultSyntaxError(`${key} must be a whole number, got "${value}"`);
  }
  return Number(value);
}

function toSeconds(key: string, value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new FaultSyntaxError(`${key} must be a number of seconds or "none", got "${value}"`);
  }
  return Number(value);
}

/** Applies one `key=value` pair to the spec being built. */
function applyOption(spec: Record<string, unknown>, key: string, value: string): void {
  switch (key) {
    case 'fault':
      spec['fault'] = toFaultKind(value);
      return;
    case 'retry_after':
      spec['retryAfter'] = toSeconds(key, value);
      return;
    case 'retry_after_ms':
      spec['retryAfterMs'] = toCount(key, value);
      return;
    case 'after':
      spec['after'] = toCount(key, value);
      return;
    case 'tokens':
      spec['tokens'] = toCount(key, value);
      return;
    case 'ttft':
      spec['ttftMs'] = toCount(key, value);
      return;
    case 'delay':
    case 'token_delay':
      spec['tokenDelayMs'] = toCount(key, value);
      return;
    case 'model':
      if (value !== 'any') throw new FaultSyntaxError(`model only accepts "any", got "${value}"`);
      spec['anyModel'] = true;
      return;
    default:
      throw new FaultSyntaxError(`unknown option "${key}"`);
  }
}

/**
 * Parses the fault grammar used by `[[mock …]]` directives, the `x-mock-fault` header and
 * string scenarios: words separated by spaces, commas or semicolons, each either a fault
 * name (`rate_limit`), a status shorthand (`429`) or `key=value`
 * (`fault`, `retry_after`, `retry_after_ms`, `after`, `tokens`, `ttft`, `delay`, `model=any`).
 *
 * @throws FaultSyntaxError on an unknown word, option or value
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: Record<string, unknown> = {};
  for (const word of text.trim().split(/[\s,;]+/)) {
    if (word === '') continue;
    const equals = word.indexOf('=');
    if (equals === -1) {
      spec['fault'] = toFaultKind(word.toLowerCase());
    } else {
      applyOption(spec, word.slice(0, equals).toLowerCase(), word.slice(equals + 1));
    }
  }
  const parsed = FaultSpec.safeParse(spec);
  if (!parsed.success) throw new FaultSyntaxError(parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

/** A prompt with its `[[mock …]]` directives taken out. */
export type ExtractedDirectives = {
  /** The directives merged left to right, or undefined when there were none. */
  spec: FaultSpec | undefined;
  /** The text without the directives (used for the deterministic response and token counts). */
  text: string;
};

/**
 * Finds every `[[mock …]]` directive in a message, e.g. `[[mock rate_limit retry_after=2]]`.
 *
 * @throws FaultSyntaxError when a directive does not parse
 */
export function extractDirectives(text: string): ExtractedDirectives {
  let spec: FaultSpec | undefined;
  for (const match of text.matchAll(DIRECTIVE_PATTERN)) {
    spec = { ...spec, ...parseFaultSpec(match[1] ?? '') };
  }
  return { spec, text: text.replace(DIRECTIVE_PATTERN, '').trim() };
}

/** Removes directives from a message without parsing them (for earlier turns). */
export function stripDirectives(text: string): string {
  return text.replace(DIRECTIVE_PATTERN, '').trim();
}
