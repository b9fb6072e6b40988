/**
 * The Redis keys of routing, all under the deployment's prefix. The disabled hash is a
 * cross-team contract (field = provider or model id, value = {@link DisabledFlag} JSON): the
 * budget, cache and ensemble code read it too.
 */
export function disabledKey(prefix: string): string {
  return `${prefix}:routing:disabled`;
}

/** The set of every circuit target that has recorded an outcome, for listings. */
export function circuitsKey(prefix: string): string {
  return `${prefix}:routing:circuits`;
}

/** The four keys of one circuit (see circuit-scripts.ts). */
export function circuitKeys(prefix: string, target: string) {
  const base = `${prefix}:routing:circuit:${target}`;
  return {
    circuit: base,
    calls: `${base}:calls`,
    fails: `${base}:fails`,
    probes: `${base}:probes`,
  };
}

/** The circuit target of a provider (`openai`) and of one of its models (`openai:gpt-5.6-sol`). */
export function circuitTargets(provider: string, model: string): readonly [string, string] {
  return [provider, `${provider}:${model}`];
}
