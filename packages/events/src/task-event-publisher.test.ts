import { randomUUID } from 'node:crypto';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskEvents, replayTaskEvents } from './read-task-events.js';
import { parseTaskEvent, type TaskEvent } from './task-event.js';
import { taskEventChannel, taskEventKeys } from './task-event-keys.js';
import { createTaskEventPublisher } from './task-event-publisher.js';

describe('task event publisher', () => {
  const prefix = uniquePrefix('events');
  let redis: Redis;
  let subscriber: Redis;

  beforeAll(async () => {
    redis = await connectTestRedis();
    subscriber = await connectTestRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  it('should not repeat a publish that ioredis resends after a dropped connection lost its reply', async () => {
    // Found by the reliability suite (packages/chaos, row 4): CLIENT KILL of the worker's
    // connection doubled a token in followers' text. A resend is the very same command, id included.
    const taskId = randomUUID();
    createTaskEventPublisher({ redis, prefix }); // defines the script
    const keys = taskEventKeys(prefix, taskId);
    type Resendable = Redis & {
      aiqPublishTaskEvent(...args: Array<string | number>): Promise<number>;
    };
    const publishOnce = (text: string, publishId: string) =>
      (redis as Resendable).aiqPublishTaskEvent(
        keys.sequence,
        keys.log,
        keys.terminal,
        keys.run,
        keys.sent,
        keys.holder,
        keys.channel,
        JSON.stringify({ taskId, at: 0, type: 'token', text }),
        100,
        60,
        '0',
        '',
        '',
        publishId,
        '',
      );
    expect(await publishOnce('A', 'first')).toBe(1);
    expect(await publishOnce('B', 'second')).toBe(2);
    expect(await publishOnce('B', 'second')).toBe(2); // the resend: answered, not repeated
    expect(await publishOnce('C', 'third')).toBe(3);
    const texts = (await readTaskEvents(redis, prefix, taskId)).map((event) =>
      event.type === 'token' ? event.text : event.type,
    );
    expect(texts).toEqual(['A', 'B', 'C']);
  });

  it('should number events per task, publish them live and keep them for replay', async () => {
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix });
    const live: TaskEvent[] = [];
    await subscriber.subscribe(taskEventChannel(prefix, taskId));
    const gotDone = new Promise<void>((resolve) => {
      subscriber.on('message', (_channel: string, message: string) => {
        const event = parseTaskEvent(message);
        live.push(event);
        if (event.type === 'done') resolve();
      });
    });

    await publisher.publish(taskId, { type: 'queued', queue: 'generate-openai' });
    await publisher.publish(taskId, { type: 'token', text: 'Hello' });
    await publisher.publish(taskId, {
      type: 'done',
      model: 'gpt-5',
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 1 },
    });
    await gotDone;
    await subscriber.unsubscribe();

    expect(live.map((event) => [event.sequence, event.type])).toEqual([
      [1, 'queued'],
      [2, 'token'],
      [3, 'done'],
    ]);
    expect(await readTaskEvents(redis, prefix, taskId, 1)).toEqual(live.slice(1));
    expect(await redis.ttl(taskEventKeys(prefix, taskId).log)).toBeGreaterThan(3_000);
  });

  it("should drop a stale holder's events once a newer run has claimed the stream", async () => {
    // Found by the reliability suite (row 5b): a worker frozen past its lock and woken while its
    // successor streamed added its buffered tokens to the successor's text.
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix });
    const frozen = await publisher.claim(taskId);
    await publisher.publish(taskId, { type: 'token', text: 'old ' }, { holder: frozen });
    const successor = await publisher.claim(taskId);
    expect(successor).toBeGreaterThan(frozen);
    await publisher.publish(taskId, { type: 'reset', attempt: 1 });
    await publisher.publish(taskId, { type: 'token', text: 'new' }, { holder: successor });
    // The frozen worker wakes: its buffered token and its end are refused.
    expect(
      await publisher.publish(taskId, { type: 'token', text: 'stale' }, { holder: frozen }),
    ).toBe(0);
    expect(
      await publisher.publish(
        taskId,
        { type: 'done', model: 'm', finishReason: 'stop', usage: null },
        { holder: frozen },
      ),
    ).toBe(0);
    // Events that carry no holder (a cancel, an operator's retry) are not fenced.
    expect(await publisher.publish(taskId, { type: 'cancelled', reason: 'user' })).toBeGreaterThan(
      0,
    );
    const texts = (await readTaskEvents(redis, prefix, taskId)).map((event) =>
      event.type === 'token' ? event.text : event.type,
    );
    expect(texts).toEqual(['old ', 'reset', 'new', 'cancelled']);
    expect(await redis.ttl(taskEventKeys(prefix, taskId).holder)).toBeGreaterThan(0);
  });

  it("should fence an ensemble candidate's lane apart from its siblings'", async () => {
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix });
    const token = (text: string, model: string, holder: number) =>
      publisher.publish(taskId, { type: 'token', text, model }, { holder, lane: model });
    const frozenA = await publisher.claim(taskId, 'model-a');
    const b = await publisher.claim(taskId, 'model-b');
    await token('a1 ', 'model-a', frozenA);
    await token('b1 ', 'model-b', b);
    // Candidate A's job is taken over: its successor's claim fences A's old holder only.
    const successorA = await publisher.claim(taskId, 'model-a');
    expect(await token('stale ', 'model-a', frozenA)).toBe(0);
    expect(await token('a2 ', 'model-a', successorA)).toBeGreaterThan(0);
    expect(await token('b2 ', 'model-b', b)).toBeGreaterThan(0);
    const texts = (await readTaskEvents(redis, prefix, taskId)).map((event) =>
      event.type === 'token' ? event.text : event.type,
    );
    expect(texts).toEqual(['a1 ', 'b1 ', 'a2 ', 'b2 ']);
    expect(await redis.ttl(`${taskEventKeys(prefix, taskId).holder}:model-a`)).toBeGreaterThan(0);
  });

  it("should keep a holder's claim alive as long as it publishes", async () => {
    // A run longer than the replay TTL: had its claim expired, the counter would read 0 and a
    // frozen predecessor's tokens would pass the fence.
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix, ttlSeconds: 600 });
    const holder = await publisher.claim(taskId);
    const key = taskEventKeys(prefix, taskId).holder;
    await redis.expire(key, 5);
    await publisher.publish(taskId, { type: 'token', text: 'a' }, { holder });
    expect(await redis.ttl(key)).toBeGreaterThan(500);
  });

  it('should end a stream exactly once, even when two workers race to finish it', async () => {
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix });
    const results = await Promise.all([
      publisher.publish(taskId, { type: 'done', model: 'm', finishReason: 'stop', usage: null }),
      publisher.publish(taskId, { type: 'error', code: 'timeout', message: 'x', retryable: true }),
      publisher.publish(taskId, { type: 'cancelled', reason: 'user' }),
    ]);
    expect(results.filter((sequence) => sequence > 0)).toEqual([1]);
    expect(await publisher.publish(taskId, { type: 'token', text: 'late' })).toBe(0);
    expect(await readTaskEvents(redis, prefix, taskId)).toHaveLength(1);
  });

  it('should give concurrent events distinct sequence numbers and cap the replay log', async () => {
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix, maxEvents: 10 });
    const sequences = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        publisher.publish(taskId, { type: 'token', text: String(index) }),
      ),
    );
    expect(new Set(sequences).size).toBe(50);
    const kept = await readTaskEvents(redis, prefix, taskId);
    expect(kept.map((event) => event.sequence)).toEqual(
      Array.from({ length: 10 }, (_, index) => 41 + index),
    );
  });
  it('should replay a trimmed log in pages after any sequence, in order and once', async () => {
    const taskId = randomUUID();
    const publisher = createTaskEventPublisher({ redis, prefix, maxEvents: 25 });
    for (let index = 0; index < 40; index += 1) {
      await publisher.publish(taskId, { type: 'token', text: String(index) });
    }
    const replay = async (afterSequence: number) => {
      const sequences: number[] = [];
      for await (const event of replayTaskEvents(redis, prefix, taskId, {
        afterSequence,
        pageSize: 4,
      })) {
        sequences.push(event.sequence);
      }
      return sequences;
    };
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => from + index);
    // Kept: 16..40. Before the kept part, inside it, at its end.
    expect(await replay(0)).toEqual(range(16, 40));
    expect(await replay(29)).toEqual(range(30, 40));
    expect(await replay(40)).toEqual([]);
  });
});
