import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskSteps, saveTaskStep } from './task-steps.js';
import { drivers, type OpenedDatabase } from './testing-databases.test-helper.js';

describe.each(drivers)('task steps on $kind', (driver) => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await driver.open();
    await opened.database.migrate();
  });
  afterAll(() => opened.dispose());

  it('should keep the first output of a step and list every finished step', async () => {
    const taskId = randomUUID();
    expect(await saveTaskStep(opened.database, taskId, 'map:0', { summary: 'first' })).toEqual({
      summary: 'first',
    });
    expect(await saveTaskStep(opened.database, taskId, 'map:0', { summary: 'again' })).toEqual({
      summary: 'first',
    });
    await saveTaskStep(opened.database, taskId, 'map:1', 'text');
    const steps = await loadTaskSteps(opened.database, taskId);
    expect([...steps.entries()]).toEqual([
      ['map:0', { summary: 'first' }],
      ['map:1', 'text'],
    ]);
    expect((await loadTaskSteps(opened.database, randomUUID())).size).toBe(0);
  });
});
