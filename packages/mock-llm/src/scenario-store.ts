import { randomUUID } from 'node:crypto';
import {
  type FaultSpec,
  type MixEntry,
  type MockProvider,
  type Scenario,
  ScenarioSpec,
} from './fault-spec.js';
import { parseFaultSpec } from './parse-fault-spec.js';

/** A small seeded generator (mulberry32): a storm deals the same faults for the same seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function toFaultSpec(fault: MixEntry['fault']): FaultSpec {
  return typeof fault === 'string' ? parseFaultSpec(fault) : fault;
}

/** The fault a storm deals for a draw in [0, 1): the entry whose share covers it, if any. */
function pick(scenario: Scenario, draw: number): FaultSpec {
  let covered = 0;
  for (const entry of scenario.mix ?? []) {
    covered += entry.share;
    if (draw < covered) return { ...scenario.fault, ...entry.fault };
  }
  return scenario.fault;
}

/**
 * Scripted faults for coming requests ("the next 5 OpenAI requests get a 429"). Scenarios
 * apply first-in first-out: the oldest live one matching the provider serves the request.
 */
export class ScenarioStore {
  readonly #scenarios: Scenario[] = [];
  /** Each storm's own generator, by scenario id. */
  readonly #draws = new Map<string, () => number>();

  /**
   * Validates and stores a scenario.
   * @throws ZodError or FaultSyntaxError for an invalid spec
   */
  add(input: ScenarioSpec): Scenario {
    const spec = ScenarioSpec.parse(input);
    const scenario: Scenario = {
      id: `scn_${randomUUID()}`,
      provider: spec.provider,
      fault: toFaultSpec(spec.fault),
      ...(spec.mix === undefined
        ? {}
        : {
            mix: spec.mix.map((entry) => ({ share: entry.share, fault: toFaultSpec(entry.fault) })),
          }),
      remaining: spec.count ?? null,
      applied: 0,
    };
    this.#scenarios.push(scenario);
    if (scenario.mix !== undefined) this.#draws.set(scenario.id, seededRandom(spec.seed ?? 1));
    return structuredClone(scenario);
  }

  /** Consumes one use of the oldest live scenario for `provider`, returning its fault. */
  take(provider: MockProvider): FaultSpec | undefined {
    const scenario = this.#scenarios.find(
      (candidate) =>
        (candidate.provider === '*' || candidate.provider === provider) &&
        (candidate.remaining === null || candidate.remaining > 0),
    );
    if (!scenario) return undefined;
    scenario.applied += 1;
    if (scenario.remaining !== null) scenario.remaining -= 1;
    const draw = this.#draws.get(scenario.id);
    return draw === undefined ? scenario.fault : pick(scenario, draw());
  }

  list(): Scenario[] {
    return this.#scenarios.map((scenario) => structuredClone(scenario));
  }

  /** Removes every scenario; returns how many there were. */
  clear(): number {
    this.#draws.clear();
    return this.#scenarios.splice(0).length;
  }
}
