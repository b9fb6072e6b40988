import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskEventPublisher } from '@aiq/events';
import type { AiqProcess, AiqSystem } from '../system/aiq-system.js';
import { probeMemory, type NodeProcess } from '../system/node-process.js';
import { BENCH_MODEL } from '../workload.js';
import { countBadStreams, openSseClient, openSseClients, type SseClient } from './sse-clients.js';
import { eventsPerStream, streamEventBody } from './sse-workload.js';

/** A server B4 measures: the process, how to open stream `index`, how to send an event to all. */
export interface SseServerSide {
  readonly process: NodeProcess;
  open(index: number): Promise<SseClient>;
  /** Sends event `index` of the workload to every stream. */
  emit(index: number): Promise<void>;
}

/** Memory after a full GC: resident, and the JS heap plus external. */
interface Reading {
  readonly rss: number;
  readonly heap: number;
}

/**
 * Memory per open stream after a step, in KiB: what the server grew by since it had none open,
 * divided by the streams open now. Averaging over the whole crowd keeps V8's page-sized steps
 * in resident memory from swinging one step's figure.
 */
export interface StepMemory {
  readonly kibPerStream: number;
  readonly heapKibPerStream: number;
}

/** What delivering the workload's events to every open stream found. */
export interface Delivery {
  readonly streams: number;
  /** Clients that missed, repeated or reordered an event. */
  readonly badStreams: number;
  /** From the first event sent to the last client's `done`. */
  readonly seconds: number;
}

/** Lets the last streams' first writes settle, then collects garbage and reads the memory. */
async function settledMemory(process: NodeProcess): Promise<Reading> {
  await sleep(200);
  const reading = await probeMemory(process);
  return { rss: reading.rss, heap: reading.heapUsed + reading.external };
}

/**
 * Streams held open on one server, grown step by step: each step opens more and reads what the
 * server's memory grew by. `deliver()` then sends every stream the workload's events.
 */
export function growingStreams(
  side: SseServerSide,
  { tokens, openInFlight }: { tokens: number; openInFlight: number },
) {
  const clients: SseClient[] = [];
  let none: Reading | undefined;
  return {
    async grow(count: number): Promise<StepMemory> {
      none ??= await settledMemory(side.process);
      const offset = clients.length;
      clients.push(
        ...(await openSseClients(count, openInFlight, (index) => side.open(offset + index))),
      );
      const now = await settledMemory(side.process);
      const perStream = (key: 'rss' | 'heap') =>
        (now[key] - (none?.[key] ?? 0)) / clients.length / 1024;
      return { kibPerStream: perStream('rss'), heapKibPerStream: perStream('heap') };
    },
    async deliver(): Promise<Delivery> {
      const started = performance.now();
      for (let index = 0; index < eventsPerStream(tokens); index += 1) await side.emit(index);
      const timeout = new AbortController();
      const deadline = sleep(120_000, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`B4: not every stream got its done within 120 s`);
      });
      deadline.catch(() => undefined); // aborted once every stream is done
      try {
        await Promise.race([Promise.all(clients.map((client) => client.finished)), deadline]);
      } finally {
        timeout.abort();
      }
      return {
        streams: clients.length,
        badStreams: countBadStreams(clients, eventsPerStream(tokens)),
        seconds: (performance.now() - started) / 1_000,
      };
    },
  };
}

/** Tasks of a user of their own, as the ledger holds them once accepted (no job: nothing runs). */
async function createTasks(system: AiqSystem, count: number) {
  const userId = `b4-${randomUUID().slice(0, 8)}`;
  const key = await system.keyFor(userId);
  const input = { model: BENCH_MODEL, messages: [{ role: 'user', content: 'Stream me' }] };
  const rows = await system.database.query<{ id: string }>(
    `INSERT INTO background_tasks (user_id, type, status, input)
     SELECT $1, 'ai_generation', 'pending', $2::jsonb FROM generate_series(1, $3::int)
     RETURNING id`,
    [userId, JSON.stringify(input), count],
  );
  return { key, ids: rows.map((row) => row.id) };
}

/**
 * aiq's side: `count` tasks, streams on `GET /api/tasks/:id/events` with the owner's key, and
 * events published to Redis through @aiq/events as a worker publishes them.
 */
export async function aiqStreams(
  system: AiqSystem,
  api: AiqProcess,
  count: number,
  tokens: number,
): Promise<SseServerSide> {
  const { key, ids } = await createTasks(system, count);
  const publisher = createTaskEventPublisher({ redis: system.redis, prefix: system.prefix });
  return {
    process: api,
    open: (index) =>
      openSseClient(`${api.url}/api/tasks/${ids[index] ?? ''}/events`, {
        authorization: `Bearer ${key}`,
      }),
    async emit(index) {
      const body = streamEventBody(index, tokens);
      await Promise.all(ids.map((id) => publisher.publish(id, body)));
    },
  };
}

/** The baseline's side: streams on the bare server, events written by its `/emit`. */
export function bareStreams(process: NodeProcess, url: string, tokens: number): SseServerSide {
  return {
    process,
    open: (index) => openSseClient(`${url}/events/${randomUUID()}-${index}`, {}),
    async emit(index) {
      const response = await fetch(`${url}/emit?index=${index}&tokens=${tokens}`, {
        method: 'POST',
      });
      if (!response.ok) throw new Error(`bare sse server: /emit answered ${response.status}`);
    },
  };
}
