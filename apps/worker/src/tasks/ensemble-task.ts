import { ensembleCandidateJobId } from '@aiq/queue';
import { builtInTaskCatalog, EnsembleCandidate, type EnsembleInput } from '@aiq/tasks';
import { z } from 'zod';
import { TaskFailedError } from '../error-code.js';
import type { TaskContext } from './task-registry.js';
import { defineTask } from './task-registry.js';

/** What a candidate's job returns (`generation/ensemble-candidate.ts`). */
const CandidateOutcome = z.object({ status: z.literal('candidate'), candidate: EnsembleCandidate });

/** A candidate whose job failed anyway, or never ran (it was cancelled): its error entry. */
function missingCandidate(model: string, code: string, message: string): EnsembleCandidate {
  return {
    model,
    status: 'failed',
    text: null,
    finishReason: null,
    usage: null,
    latencyMs: null,
    error: { code, message },
  };
}

/** Every model's candidate, in the order the models were asked. */
async function collectCandidates(
  input: EnsembleInput,
  context: TaskContext,
): Promise<EnsembleCandidate[]> {
  const { values, failures } = await context.children();
  return input.models.map((model) => {
    const jobId = ensembleCandidateJobId(context.taskId, model);
    const outcome = CandidateOutcome.safeParse(values[jobId]);
    if (outcome.success) return outcome.data.candidate;
    const failure = failures[jobId];
    if (failure !== undefined) return missingCandidate(model, 'internal_error', failure);
    return missingCandidate(model, 'internal_error', 'The candidate ended without a result');
  });
}

/**
 * `ai_ensemble`, the parent of the flow: runs once every candidate has ended on its provider
 * queue, and gathers them. At least one answer completes the task; none fails it with
 * `all_candidates_failed` (each candidate's error is in the message and on the stream).
 */
export const ensembleTask = defineTask(builtInTaskCatalog.ai_ensemble, async (input, context) => {
  const candidates = await collectCandidates(input, context);
  // Its `done` reports the candidates' tokens and cost: the parent makes no call of its own.
  for (const candidate of candidates) {
    if (candidate.status === 'completed') context.countChildCall(candidate.model, candidate.usage);
  }
  const succeeded = candidates.filter((candidate) => candidate.status === 'completed').length;
  if (succeeded === 0) {
    const errors = candidates.map(
      (candidate) => `${candidate.model}: ${candidate.error?.code ?? 'unknown'}`,
    );
    throw new TaskFailedError(
      'all_candidates_failed',
      `Every candidate of the ensemble failed (${errors.join(', ')})`,
    );
  }
  return { candidates, succeeded };
});
