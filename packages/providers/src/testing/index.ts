export { runProviderContract, type ProviderContractOptions } from './run-provider-contract.js';
export { callOptions, collectStream, errorOf, type CollectedStream } from './collect-events.js';
export { FAULT_EXPECTATIONS, type FaultExpectation } from './fault-expectations.js';
