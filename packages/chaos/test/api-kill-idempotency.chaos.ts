import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startChaosSystem, type ChaosSystem } from '../src/chaos-system.js';
import { LoadGenerator } from '../src/load-generator.js';
import { finishRow } from '../src/run-row.js';

const SUBMISSIONS = 300;

describe('row 9: API SIGKILL between enqueue and response', () => {
  let system: ChaosSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('should keep exactly one task per Idempotency-Key when clients retry on another API', async () => {
    const startedAt = Date.now();
    system = await startChaosSystem();
    const [doomed, survivor] = await Promise.all([system.startApi(), system.startApi()]);
    if (doomed === undefined || survivor === undefined) throw new Error('no API');
    await system.startWorker();
    const load = new LoadGenerator(system.headers, () => doomed.url);

    // Many submissions in flight at once; the API is killed once the first ones are answered,
    // so some die before the row is written, some between enqueue and response.
    const keys = Array.from({ length: SUBMISSIONS }, (_, index) => ({
      idempotencyKey: randomUUID(),
      tag: `chaos-${index + 1}-${randomUUID().slice(0, 8)}`,
    }));
    const first = keys.map((key) => load.submit({ ...key, mock: 'tokens=5', apiUrl: doomed.url }));
    const killed = (async () => {
      while (load.log.accepted.length < SUBMISSIONS / 2)
        await new Promise((resolve) => setTimeout(resolve, 2));
      await doomed.stop('SIGKILL');
      return Date.now();
    })();
    await Promise.all(first);
    const killedAt = await killed;
    const answered = new Set(load.log.accepted.map((task) => task.idempotencyKey));
    const unanswered = keys.filter((key) => !answered.has(key.idempotencyKey));

    // The clients retry what got no answer, with the same key and body, on the other API.
    await Promise.all(
      unanswered.map((key) => load.submit({ ...key, mock: 'tokens=5', apiUrl: survivor.url })),
    );
    const recordedBeforeKill = await system.database.query<{ count: string }>(
      `SELECT count(*) FROM background_tasks
       WHERE created_at < to_timestamp($1::double precision / 1000)
         AND idempotency_key = ANY(string_to_array($2, ','))`,
      [killedAt, unanswered.map((key) => key.idempotencyKey).join(',')],
    );
    const verdict = await finishRow(system, load, {
      row: '9',
      fault: `API SIGKILL with ${SUBMISSIONS} submissions in flight; clients retry with the same Idempotency-Key on a second API`,
      startedAt,
      notes: [
        `${unanswered.length} submissions unanswered by the killed API, ${recordedBeforeKill[0]?.count ?? 0} of them already recorded by it`,
      ],
    });

    const perKey = await system.database.query<{ idempotency_key: string; tasks: string }>(
      `SELECT idempotency_key, count(*) AS tasks FROM background_tasks
       WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING count(*) > 1`,
    );
    expect(perKey).toEqual([]);
    expect(verdict.accepted).toBe(SUBMISSIONS);
    expect(new Set(load.log.accepted.map((task) => task.taskId)).size).toBe(SUBMISSIONS);
    expect(unanswered.length).toBeGreaterThan(0);
  });
});
