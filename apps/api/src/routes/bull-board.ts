import { AsyncLocalStorage } from 'node:async_hooks';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { DeadLetterJob, type Queues } from '@aiq/queue';
import { retryTask, type RetryDeps } from '@aiq/tasks';
import type { Job, Queue } from 'bullmq';
import type { AppEnv } from '../app-env.js';

/** Where operators inspect and retry jobs. */
export const BULL_BOARD_PATH = '/admin/queues';

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
  ) {
    super(queue);
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

/** Bull Board over every aiq queue; its Retry buttons retry tasks on their own ids. */
export function bullBoardRoutes(queues: Queues, deps: Omit<RetryDeps, 'queues'>): Hono<AppEnv> {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map((queue) => new TaskQueueAdapter(queue, { ...deps, queues })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'aiq queues' } },
  });
  const app = new Hono<AppEnv>();
  app.use('*', (c, next) => operator.run(c.var.user.id, next));
  app.route('/', serverAdapter.registerPlugin());
  return app;
}
