import { randomUUID } from 'node:crypto';
import { TEST_NOW } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { eraseOldPrompts } from './erase-old-prompts.js';
import { aiRequests, backgroundTasks, taskSteps } from './schema.js';
import { drivers, type OpenedDatabase } from './testing-databases.test-helper.js';

const now = new Date(TEST_NOW);
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

/** A finished generation with its attempt and a memoized step, created `days` ago. */
async function seedTask(
  database: Database,
  days: number,
  status: 'completed' | 'processing' = 'completed',
) {
  const taskId = randomUUID();
  const createdAt = daysAgo(days);
  await database.db.insert(backgroundTasks).values({
    id: taskId,
    userId: 'user-1',
    type: 'ai_generation',
    status,
    input: { model: 'gpt-5', messages: [{ role: 'user', content: `secret prompt ${days}` }] },
    model: 'gpt-5',
    result: { status: 'completed', text: `secret answer ${days}`, model: 'gpt-5' },
    attempts: 1,
    createdAt,
    completedAt: createdAt,
  });
  await database.db.insert(aiRequests).values({
    taskId,
    userId: 'user-1',
    provider: 'openai',
    model: 'gpt-5',
    status: 'completed',
    prompt: `secret prompt ${days}`,
    response: `secret answer ${days}`,
    tokensUsed: 30,
    promptTokens: 10,
    completionTokens: 20,
    costUsd: '0.000123',
    durationMs: 400,
    ttftMs: 50,
    finishReason: 'stop',
    createdAt,
    completedAt: createdAt,
  });
  await database.db.insert(taskSteps).values({ taskId, step: 'map:0', output: 'secret note' });
  return taskId;
}

describe.each(drivers)('eraseOldPrompts on $kind', (driver) => {
  let opened: OpenedDatabase;
  let database: Database;
  beforeAll(async () => {
    opened = await driver.open();
    database = opened.database;
    await database.migrate();
  });
  afterAll(() => opened.dispose());

  it('should erase prompts and responses older than the cut-off in batches and keep the metadata', async () => {
    const old = await Promise.all([40, 35, 31].map((days) => seedTask(database, days)));
    const recent = await Promise.all([29, 1].map((days) => seedTask(database, days)));
    const open = await seedTask(database, 45, 'processing');

    const erased = await eraseOldPrompts(database, { before: daysAgo(30), batchSize: 2 });
    expect(erased).toEqual({ requests: 4, tasks: 3 });

    const requests = await database.query<Record<string, unknown>>(
      `SELECT task_id, prompt, response, status, tokens_used, prompt_tokens, completion_tokens,
              cost_usd::float AS cost_usd, duration_ms, ttft_ms, finish_reason
       FROM ai_requests`,
    );
    const byTask = new Map(requests.map((row) => [row['task_id'], row]));
    for (const taskId of [...old, open]) {
      // The open task's attempt is old too: its text goes, its task's input stays to run it.
      expect(byTask.get(taskId)).toEqual({
        task_id: taskId,
        prompt: null,
        response: null,
        status: 'completed',
        tokens_used: 30,
        prompt_tokens: 10,
        completion_tokens: 20,
        cost_usd: 0.000123,
        duration_ms: 400,
        ttft_ms: 50,
        finish_reason: 'stop',
      });
    }
    for (const taskId of recent) {
      expect(byTask.get(taskId)).toMatchObject({
        prompt: expect.stringMatching(/^secret prompt/),
        response: expect.stringMatching(/^secret answer/),
      });
    }

    const tasks = await database.query<{
      id: string;
      input: unknown;
      result: unknown;
      status: string;
    }>('SELECT id, input, result, status FROM background_tasks');
    const taskById = new Map(tasks.map((row) => [row.id, row]));
    for (const taskId of old) {
      const row = taskById.get(taskId);
      expect(row).toMatchObject({ status: 'completed', input: { model: 'gpt-5', erased: true } });
      expect(JSON.stringify(row)).not.toMatch(/secret/);
    }
    for (const taskId of [...recent, open]) {
      expect(JSON.stringify(taskById.get(taskId))).toMatch(/secret prompt/);
    }
    const steps = await database.query<{ task_id: string }>('SELECT task_id FROM task_steps');
    expect(steps.map((row) => row.task_id).sort()).toEqual([...recent, open].sort());

    // Nothing left to erase: a second run changes nothing.
    expect(await eraseOldPrompts(database, { before: daysAgo(30), batchSize: 2 })).toEqual({
      requests: 0,
      tasks: 0,
    });
  });
});
