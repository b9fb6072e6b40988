import os from 'node:os';
import { submitTask, type Submission } from '@aiq/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { failLikeAWorker } from './harness/failed-tasks.js';
import { runCli } from './harness/run-cli.js';

const operator = `cli:${os.userInfo().username}`;

const generation: Submission = {
  kind: 'generation',
  userId: 'ops-1',
  model: 'gpt-5',
  messages: [{ role: 'user', content: 'Hello' }],
};
const background: Submission = {
  kind: 'background',
  userId: 'ops-1',
  type: 'ai_analyze_document',
  input: { model: 'deepseek-chat', document: 'A long text.' },
};

describe('aiq retry', () => {
  let services: CliServices;
  const submit = (submission: Submission) => submitTask(services, submission);

  beforeAll(async () => {
    services = await openCliServices('cli-retry');
  });
  afterAll(async () => {
    await services.close();
  });

  it('should retry a failed generation and a failed background task on their own ids', async () => {
    const chat = await submit(generation);
    const document = await submit(background);
    await failLikeAWorker(services, [chat.taskId, document.taskId], 'rate_limited');
    const failedJob = await services.queues['generate-openai'].getJob(chat.taskId);
    expect(await failedJob?.getState()).toBe('failed');

    const result = await runCli(['retry', chat.taskId, document.taskId], services.env);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out.split('\n')).toEqual([
      `${chat.taskId}  retried: pending on generate-openai, retry 1`,
      `${document.taskId}  retried: pending on background-task, retry 1`,
    ]);

    for (const { taskId, queue } of [chat, document]) {
      const [row] = await services.database.query(
        'SELECT status, retry_count, error_code, attempts FROM background_tasks WHERE id = $1',
        [taskId],
      );
      expect(row).toEqual({ status: 'pending', retry_count: 1, error_code: null, attempts: 0 });
      // Exactly one job: the new one, waiting, for run 1; the failed one is gone.
      const counts = await services.queues[queue].getJobCounts('wait', 'failed', 'delayed');
      expect(counts).toEqual({ wait: 1, failed: 0, delayed: 0 });
      const job = await services.queues[queue].getJob(taskId);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.data).toMatchObject({ taskId, retry: 1 });
      expect(job?.attemptsMade).toBe(0);
    }
    expect(
      await services.database.query(
        `SELECT action, door, actor, task_ids, matched, changed, skipped FROM operator_actions`,
      ),
    ).toEqual([
      {
        action: 'retry',
        door: 'cli',
        actor: operator,
        task_ids: [chat.taskId, document.taskId],
        matched: 2,
        changed: 2,
        skipped: 0,
      },
    ]);
  });

  it('should say why a task was not retried and exit 1: open, not retryable, not found', async () => {
    const open = await submit(generation);
    const missing = '00000000-0000-4000-8000-000000000000';
    const [completed] = await services.database.query<{ id: string }>(
      `INSERT INTO background_tasks (user_id, type, status, input) VALUES ('u', 'ai_generation',
         'completed', '{"model":"gpt-5","messages":[{"role":"user","content":"Hi"}]}') RETURNING id`,
    );
    const completedId = completed?.id ?? '';
    const result = await runCli(['retry', open.taskId, completedId, missing, 'nope'], services.env);
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      `${open.taskId}  already open (pending): nothing changed`,
      `${completedId}  not retryable: completed; only failed or timed-out tasks are retried`,
      `${missing}  not found`,
      'nope  not found',
    ]);
    const json = await runCli(['retry', open.taskId, '--json'], services.env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual([
      { taskId: open.taskId, result: 'open', status: 'pending' },
    ]);
    // The open task's job was left alone.
    expect(await services.queues['generate-openai'].getJob(open.taskId)).toMatchObject({
      data: { retry: 0 },
    });
  });
});
