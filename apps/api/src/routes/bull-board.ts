import { AsyncLocalStorage } from 'node:async_hooks';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { DeadLetterJob, type Queues } from '@aiq/queue';
import { recordOperatorAction, retryTask, type RetryDeps } from '@aiq/tasks';
import type { Job, Queue } from 'bullmq';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

/** Where operators inspect and retry jobs. */
export const BULL_BOARD_PATH = '/admin/queues';

/** What each queue holds, shown under its name. */
const QUEUE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'generate-openai': 'Chat generations served by OpenAI (or falling back to it)',
  'generate-anthropic': 'Chat generations served by Anthropic (or falling back to it)',
  'generate-deepseek': 'Chat generations served by DeepSeek (or falling back to it)',
  'background-task': 'Background tasks (document analyses, ensembles)',
  'dead-letter':
    'Tasks that failed for good, one entry per run, with every attempt and its error. ' +
    'Retry retries the task on its own id.',
};

/** A dead-letter entry's data as Bull Board lists it: `undefined` when it is not one. */
function deadLetterOf(data: unknown): DeadLetterJob | undefined {
  const parsed = DeadLetterJob.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** A dead letter's name in the list: its last error and how many attempts it took. */
function deadLetterName(job: { name: string; data?: unknown }): string {
  const entry = deadLetterOf(job.data);
  const last = entry?.failures.at(-1);
  if (entry === undefined || last === undefined) return job.name;
  const attempts = entry.failures.length === 1 ? '1 attempt' : `${entry.failures.length} attempts`;
  return `${last.errorCode} after ${attempts} on ${entry.queue}`;
}

/**
 * A dead letter's data made readable: a summary line and one line per attempt (when, which
 * error, its message) first, then the entry's own fields unchanged, so an edit or a duplicate
 * made from the board still carries a valid entry.
 */
function readableDeadLetter(data: unknown): unknown {
  const entry = deadLetterOf(data);
  if (entry === undefined) return data;
  const at = (ms: number) => new Date(ms).toISOString();
  const replayed =
    entry.replayed === undefined
      ? 'not retried'
      : `retried ${at(entry.replayed.at)} by ${entry.replayed.by} via ${entry.replayed.door}`;
  return {
    summary: `Task ${entry.taskId} (run ${entry.retry}) failed for good on ${entry.queue} at ${at(entry.deadLetteredAt)}; ${replayed}`,
    attempts: entry.failures.map(
      (failure) => `#${failure.attempt} ${at(failure.at)} ${failure.errorCode}: ${failure.message}`,
    ),
    ...(data as Record<string, unknown>),
  };
}

/** The operator whose request Bull Board is serving. */
const operator = new AsyncLocalStorage<string>();

/**
 * Bull Board's view of one aiq queue, whose Retry (one job, or "Retry all") retries the task:
 * BullMQ's own retry would re-run the job with its spent attempts and old deadline while the
 * task stays `failed`. Retrying a dead letter retries its task.
 */
class TaskQueueAdapter extends BullMQAdapter {
  constructor(
    queue: Queue,
    private readonly deps: RetryDeps,
    readOnlyMode: boolean,
  ) {
    super(queue, { readOnlyMode, description: QUEUE_DESCRIPTIONS[queue.name] ?? '' });
    if (queue.name === 'dead-letter') {
      this.setFormatter('name', deadLetterName);
      this.setFormatter('data', readableDeadLetter);
    }
  }

  private asTaskRetry<J extends Job | undefined | null>(job: J): J {
    if (job === undefined || job === null) return job;
    const taskId = job.queueName === 'dead-letter' ? DeadLetterJob.parse(job.data).taskId : job.id;
    job.retry = async () => {
      const by = operator.getStore() ?? 'operator';
      const outcome = await retryTask(this.deps, taskId ?? '', { door: 'bull_board', by });
      if (outcome.result !== 'retried') {
        const status = 'status' in outcome ? outcome.status : 'not found';
        throw new Error(`Task ${taskId ?? ''} is ${status}; nothing was retried`);
      }
    };
    return job;
  }

  override async getJob(id: string) {
    return this.asTaskRetry(await super.getJob(id));
  }

  override async getJobs(...args: Parameters<BullMQAdapter['getJobs']>) {
    return (await super.getJobs(...args)).map((job) => this.asTaskRetry(job));
  }
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A state-changing Bull Board API request, as the audit trail names it. */
export interface BoardAction {
  /** `bull_board_<what>`, e.g. `bull_board_pause`, `bull_board_remove`, `bull_board_clean_all`. */
  readonly action: `bull_board_${string}`;
  readonly filters: Record<string, string>;
  readonly jobId?: string;
}

/** Job verbs in `/api/queues/:queue/:jobId/:verb`; Bull Board's `clean` of one job removes it. */
const JOB_VERBS: Readonly<Record<string, string>> = {
  clean: 'remove',
  promote: 'promote',
  retry: 'retry',
  'update-data': 'update_data',
  delay: 'delay',
  priority: 'priority',
  'remove-unprocessed-children': 'remove_unprocessed_children',
};

const named = (what: string): `bull_board_${string}` => `bull_board_${what.replaceAll('-', '_')}`;

/**
 * Names a state-changing request by its path under the board's `/api` (the routes of
 * @bull-board/api); a path it does not know is still named, by method and path, so nothing
 * changes unrecorded.
 */
export function boardAction(method: string, apiPath: string): BoardAction {
  const segments = apiPath
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  const unknown = { action: named(method.toLowerCase()), filters: { path: apiPath } };
  if (segments[0] !== 'queues') {
    return segments.join('/') === 'metrics/history/purge'
      ? { action: named('metrics_history_purge'), filters: {} }
      : unknown;
  }
  const [, queue, first, second, third] = segments;
  if (queue === undefined) return unknown;
  if (first === undefined) return { action: named(`${queue}_all`), filters: {} }; // pause/resume
  if (second === undefined) {
    const what = first === 'promote' ? 'promote_all' : first;
    return { action: named(what), filters: { queue } };
  }
  if (first === 'retry' || first === 'clean') {
    return { action: named(`${first}_all`), filters: { queue, status: second } };
  }
  if (first === 'rate-limit') return { action: named(`rate_limit_${second}`), filters: { queue } };
  if (first === 'job-schedulers') {
    return {
      action: named(`job_scheduler_${third ?? 'update'}`),
      filters: { queue, schedulerId: second },
    };
  }
  const verb = JOB_VERBS[second];
  if (verb === undefined || third !== undefined) return unknown;
  return { action: named(verb), filters: { queue, jobId: first }, jobId: first };
}

/**
 * Refuses every change when the board is read-only (403 `read_only`: the UI's own flag only
 * hides buttons), and records each change that succeeded in `operator_actions` (door
 * `bull_board`, actor the operator). Retries are not recorded here: `retryTask` records them.
 */
function guardAndAudit(
  deps: Pick<RetryDeps, 'database'>,
  readOnly: boolean,
): MiddlewareHandler<AppEnv> {
  const apiPrefix = `${BULL_BOARD_PATH}/api/`;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || !c.req.path.startsWith(apiPrefix)) return next();
    if (readOnly) {
      throw new ApiError(403, 'read_only', 'Bull Board is read-only here (BULL_BOARD_READ_ONLY)');
    }
    await next();
    if (c.res.status < 200 || c.res.status >= 300) return;
    const { action, filters, jobId } = boardAction(
      c.req.method,
      c.req.path.slice(apiPrefix.length),
    );
    if (action === named('retry') || action === named('retry_all')) return;
    const taskIds = jobId !== undefined && filters['queue'] !== 'dead-letter' ? [jobId] : [];
    await recordOperatorAction(deps.database, {
      action,
      door: 'bull_board',
      by: c.var.user.id,
      taskIds,
      filters,
      matched: jobId === undefined ? 0 : 1,
      changed: jobId === undefined ? 0 : 1,
      skipped: 0,
    });
  };
}

/** Bull Board over every aiq queue; its Retry buttons retry tasks on their own ids. */
export function bullBoardRoutes(
  queues: Queues,
  deps: Omit<RetryDeps, 'queues'>,
  { readOnly }: { readOnly: boolean },
): Hono<AppEnv> {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map(
      (queue) => new TaskQueueAdapter(queue, { ...deps, queues }, readOnly),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'aiq queues' } },
  });
  const app = new Hono<AppEnv>();
  app.use('*', (c, next) => operator.run(c.var.user.id, next));
  app.use('*', guardAndAudit(deps, readOnly));
  app.route('/', serverAdapter.registerPlugin());
  return app;
}
