import { Cluster, type Redis } from 'ioredis';
import type { ChaosRedis, ChaosSystem } from './chaos-system.js';
import type { AcceptedTask } from './load-generator.js';
import type { AttemptRow, Evidence, StreamRecord, TaskRow } from './oracle.js';

const OPEN_LISTS = ['wait', 'active', 'paused'];
const OPEN_SETS = ['delayed', 'prioritized', 'waiting-children'];

/**
 * Every key under `prefix`. KEYS answers for one node only, so on a cluster each master is
 * asked (aiq's keys share one hash tag there: one master holds them all).
 */
async function keysUnder(redis: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = await Promise.all(nodes.map((node) => node.keys(`${prefix}:*`)));
  return keys.flat();
}

/** Job ids BullMQ still holds unfinished under the system's prefix, in any queue. */
async function openJobs(system: ChaosSystem<ChaosRedis>): Promise<Set<string>> {
  const redis = await system.connectRedis();
  try {
    const open = new Set<string>();
    for (const key of await keysUnder(redis, system.keyPrefix)) {
      const kind = key.slice(key.lastIndexOf(':') + 1);
      const ids = OPEN_LISTS.includes(kind)
        ? await redis.lrange(key, 0, -1)
        : OPEN_SETS.includes(kind)
          ? await redis.zrange(key, 0, -1)
          : [];
      for (const id of ids) open.add(id);
    }
    return open;
  } finally {
    redis.disconnect();
  }
}

/**
 * Writes still waiting in the workers' ledger outbox (`<prefix>:ledger`): a killed worker's
 * batch stays there until another worker claims it (after its claim idle time) and writes it.
 */
async function outboxLength(system: ChaosSystem<ChaosRedis>): Promise<number> {
  const redis = await system.connectRedis();
  try {
    return await redis.xlen(`${system.keyPrefix}:ledger`);
  } finally {
    redis.disconnect();
  }
}

/** Reads what the oracle needs from Postgres, Redis and the mock LLM. */
export async function gatherEvidence(
  system: ChaosSystem<ChaosRedis>,
  accepted: readonly AcceptedTask[],
  streams: readonly StreamRecord[] = [],
): Promise<Evidence> {
  const tasks = await system.database.query<{
    id: string;
    status: string;
    error_code: string | null;
  }>('SELECT id, status, error_code FROM background_tasks');
  const attempts = await system.database.query<{
    task_id: string;
    status: string;
    response: string | null;
    provider_request_id: string | null;
  }>(
    'SELECT task_id, status, response, provider_request_id FROM ai_requests WHERE task_id IS NOT NULL',
  );
  return {
    accepted,
    tasks: tasks.map((row): TaskRow => ({
      id: row.id,
      status: row.status,
      errorCode: row.error_code,
    })),
    attempts: attempts.map((row): AttemptRow => ({
      taskId: row.task_id,
      status: row.status,
      response: row.response,
      providerRequestId: row.provider_request_id,
    })),
    calls: system.mock.requests(),
    openInRedis: await openJobs(system),
    streams,
  };
}

/**
 * The drain: waits until every accepted task is terminal in the ledger and none of their jobs
 * is still open in Redis (or `timeoutMs` passes; what is still open then is what the oracle
 * calls lost or inconsistent).
 */
export async function drain(
  system: ChaosSystem<ChaosRedis>,
  accepted: readonly AcceptedTask[],
  timeoutMs = 60_000,
): Promise<number> {
  const started = Date.now();
  const ids = accepted.map((task) => task.taskId);
  for (;;) {
    const [row] = await system.database
      .query<{ terminal: string }>(
        `SELECT count(*) AS terminal FROM background_tasks
         WHERE status IN ('completed', 'failed', 'timeout', 'cancelled')
           AND id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
        // A semi-join on the primary key: comparing every row with a text array of 10,000 ids
        // four times a second took the CPU the row's own ledger writes needed.
        [JSON.stringify(ids)],
      )
      .catch(() => [{ terminal: '-1' }]); // Postgres down in this row: wait on
    if (Number(row?.terminal) === ids.length) {
      // …and no job of theirs still runs: a late write would come after the evidence.
      const open = await openJobs(system).catch(() => new Set(ids));
      // …and the ledger outbox is empty: the attempt rows of a killed worker's last batch may
      // still wait there after the task's end was written.
      const waiting = await outboxLength(system).catch(() => 1);
      if (!ids.some((id) => open.has(id)) && waiting === 0) return Date.now() - started;
    }
    if (Date.now() - started > timeoutMs) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
