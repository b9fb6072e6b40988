import type { Config } from '@aiq/config';
import { createDb } from '@aiq/db';
import { ProviderError } from '@aiq/providers';
import { cancelTask, submitTask, UnknownTaskTypeError, type Submission } from '@aiq/tasks';
import { z, ZodError } from 'zod';
import { renderTable, type Output } from '../output.js';
import { withTaskDeps } from '../task-deps.js';

/** Options of `aiq tasks submit`: a chat generation (`--model`, `--prompt`) or a typed task. */
export interface SubmitOptions {
  user: string;
  model?: string;
  prompt?: string;
  type?: string;
  input?: string;
  idempotencyKey?: string;
  json?: boolean;
}

function submissionOf(options: SubmitOptions): Submission | string {
  const common = {
    userId: options.user,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  };
  if (options.type !== undefined) {
    if (options.model !== undefined || options.prompt !== undefined) {
      return '--type takes its model and text in --input, not --model/--prompt';
    }
    let input: unknown = {};
    if (options.input !== undefined) {
      try {
        input = JSON.parse(options.input);
      } catch {
        return '--input is not valid JSON';
      }
    }
    return { kind: 'background', type: options.type, input, ...common };
  }
  if (options.model === undefined || options.prompt === undefined) {
    return 'give --model and --prompt for a generation, or --type (and --input) for a background task';
  }
  return {
    kind: 'generation',
    model: options.model,
    messages: [{ role: 'user', content: options.prompt }],
    ...common,
  };
}

function refusalOf(error: unknown): string | undefined {
  if (error instanceof UnknownTaskTypeError) return error.message;
  if (error instanceof ZodError) {
    return `invalid input: ${error.issues
      .map((issue) => `${issue.path.join('.') || '(input)'} ${issue.message}`)
      .join('; ')}`;
  }
  // The producer's refusals: unknown or retired model, prompt over the window, output too large.
  if (ProviderError.isInstance(error)) return error.message;
  return undefined;
}

/**
 * `aiq tasks submit`: the same producer as the API (ledger row first, then the job), for
 * operators and scripts. Prints the task id.
 */
export async function submit(config: Config, output: Output, options: SubmitOptions) {
  const submission = submissionOf(options);
  if (typeof submission === 'string') {
    output.error(submission);
    return 2;
  }
  try {
    const task = await withTaskDeps(config, (deps) => submitTask(deps, submission));
    if (options.json) output.write(JSON.stringify(task));
    else {
      output.write(task.taskId);
      output.error(
        `${task.existing ? 'Already submitted' : 'Submitted'} ${task.type} task ${task.taskId} to ${task.queue}`,
      );
    }
    return 0;
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    output.error(refusal);
    return 1;
  }
}

/** `aiq tasks cancel <id>`: aborts the provider call wherever it runs, or drops the waiting job. */
export async function cancel(
  config: Config,
  output: Output,
  taskId: string,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const { cancelled } = await withTaskDeps(config, ({ database, queues, redis, events }) =>
    cancelTask(
      { database, queues, redis, prefix: config.redis.prefix, events },
      taskId,
      'cancelled by an operator',
    ),
  );
  if (json) output.write(JSON.stringify({ taskId, cancelled }));
  if (!cancelled) {
    output.error(`Task ${taskId} is not pending or processing: nothing to cancel`);
    return 1;
  }
  if (!json) output.write(`Cancelled task ${taskId}`);
  return 0;
}

const TASK_COLUMNS = `id, user_id, type, status, model, retry_count, error_code, error_message,
  created_at, started_at, completed_at`;
const ATTEMPT_COLUMNS = `attempt, provider, model, requested_model, status, error_code, partial,
  duration_ms, ttft_ms, tokens_used, cost_usd, created_at`;

/** The two reads of `aiq tasks show`, `$1` the task id. */
export const SHOW_TASK_QUERIES = {
  // `id = $1::uuid`, never `id::text = $1`: a cast column hides the primary key and
  // `ai_requests_task_id_idx` from the planner, and every show would scan the whole table.
  task: `SELECT ${TASK_COLUMNS} FROM background_tasks WHERE id = $1::uuid`,
  attempts: `SELECT ${ATTEMPT_COLUMNS} FROM ai_requests WHERE task_id = $1::uuid ORDER BY created_at, attempt`,
} as const;

const TaskId = z.string().uuid();

/** `aiq tasks show <id>`: the task's ledger row and one line per provider attempt. */
export async function show(
  config: Config,
  output: Output,
  taskId: string,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  // Checked here, before any connection: Postgres would answer a malformed one with an error.
  if (!TaskId.safeParse(taskId).success) {
    output.error(
      `${taskId} is not a task id (a UUID such as 5b0e8f2c-4b8a-4f57-9a43-2d2f6f1d0c11)`,
    );
    return 2;
  }
  const database = await createDb(config.database, { applicationName: 'aiq-cli' });
  try {
    const [task] = await database.query<Record<string, unknown>>(SHOW_TASK_QUERIES.task, [taskId]);
    if (task === undefined) {
      output.error(`No task ${taskId}`);
      return 1;
    }
    const attempts = await database.query<Record<string, unknown>>(SHOW_TASK_QUERIES.attempts, [
      taskId,
    ]);
    if (json) output.write(JSON.stringify({ task, attempts }));
    else output.write(`${renderTable([task])}\n\nAttempts:\n${renderTable(attempts)}`);
    return 0;
  } finally {
    await database.close();
  }
}
