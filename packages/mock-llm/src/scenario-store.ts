import { randomUUID } from 'node:crypto';
import { type FaultSpec, type MockProvider, type Scenario, ScenarioSpec } from './fault-spec.js';
import { parseFaultSpec } from './parse-fault-spec.js';

/**
 * Scripted faults for coming requests ("the next 5 OpenAI requests get a 429"). Scenarios
 * apply first-in first-out: the oldest live one matching the provider serves the request.
 */
export class ScenarioStore {
  readonly #scenarios: Scenario[] = [];

  /**
   * Validates and stores a scenario.
   * @throws ZodError or FaultSyntaxError for an invalid spec
   */
  add(input: ScenarioSpec): Scenario {
    const spec = ScenarioSpec.parse(input);
    const fault = typeof spec.fault === 'string' ? parseFaultSpec(spec.fault) : spec.fault;
    const scenario: Scenario = {
      id: `scn_${randomUUID()}`,
      provider: spec.provider,
      fault,
      remaining: spec.count ?? null,
      applied: 0,
    };
    this.#scenarios.push(scenario);
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
    return scenario.fault;
  }

  list(): Scenario[] {
    return this.#scenarios.map((scenario) => structuredClone(scenario));
  }

  /** Removes every scenario; returns how many there were. */
  clear(): number {
    return this.#scenarios.splice(0).length;
  }
}
