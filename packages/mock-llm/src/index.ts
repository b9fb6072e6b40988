export {
  startMockLlm,
  type MockLlmBaseUrls,
  type MockLlmOptions,
  type MockLlmServer,
} from './start-mock-llm.js';
export {
  FaultKind,
  FaultSpec,
  MockProvider,
  Scenario,
  ScenarioProvider,
  ScenarioSpec,
} from './fault-spec.js';
export { extractDirectives, FaultSyntaxError, parseFaultSpec } from './parse-fault-spec.js';
export { RecordedRequest, type RequestFilter } from './request-log.js';
export { MockRateLimit, RateLimitReport } from './http/rate-limit-windows.js';
export { MOCK_MODELS, type MockModel } from './generation/model-catalog.js';
export {
  countPromptTokens,
  countTextTokens,
  mockTokens,
  promptSeed,
  type PromptMessage,
} from './generation/mock-text.js';
