/**
 * The model every workload asks for: current in the registry (no end-of-life substitution) and
 * in the mock's catalog.
 */
export const BENCH_MODEL = 'gpt-5.6-sol';

/** The mock's directive for a scripted answer (`[[mock tokens=8 ttft=50]]`, see @aiq/mock-llm). */
export function mockDirective({
  tokens,
  ttftMs,
  delayMs,
}: {
  tokens: number;
  ttftMs?: number;
  delayMs?: number;
}): string {
  const items = [`tokens=${tokens}`];
  if (ttftMs !== undefined) items.push(`ttft=${ttftMs}`);
  if (delayMs !== undefined) items.push(`delay=${delayMs}`);
  return `[[mock ${items.join(' ')}]]`;
}
