import { describe, expect, it } from 'vitest';
import { createTokenRelay } from './token-relay.js';

/** A publisher whose calls the test completes one by one, as Redis round trips would. */
function controlledPublisher() {
  const calls: { text: string; settle: (error?: Error) => void }[] = [];
  const publish = (text: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ text, settle: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, publish, texts: () => calls.map((call) => call.text) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createTokenRelay', () => {
  it('should send the first delta at once and the ones that arrive meanwhile as one event', async () => {
    const publisher = controlledPublisher();
    const relay = createTokenRelay(publisher.publish);
    relay.push('Hel');
    relay.push('lo');
    relay.push(', ');
    expect(publisher.texts()).toEqual(['Hel']);
    publisher.calls[0]?.settle();
    await tick();
    expect(publisher.texts()).toEqual(['Hel', 'lo, ']);
    relay.push('world');
    publisher.calls[1]?.settle();
    await tick();
    expect(publisher.texts()).toEqual(['Hel', 'lo, ', 'world']);
    const flushed = relay.flush();
    publisher.calls[2]?.settle();
    await flushed;
    expect(publisher.texts().join('')).toBe('Hello, world');
  });

  it('should send one event per delta when each is out before the next arrives', async () => {
    const sent: string[] = [];
    const relay = createTokenRelay((text) => {
      sent.push(text);
      return Promise.resolve();
    });
    for (const delta of ['a', 'b', 'c']) {
      relay.push(delta);
      await tick();
    }
    await relay.flush();
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('should wait in flush for what is in flight and what is queued behind it', async () => {
    const publisher = controlledPublisher();
    const relay = createTokenRelay(publisher.publish);
    relay.push('one');
    relay.push('two');
    let flushed = false;
    const flushing = relay.flush().then(() => {
      flushed = true;
    });
    publisher.calls[0]?.settle();
    await tick();
    expect(flushed).toBe(false);
    expect(publisher.texts()).toEqual(['one', 'two']);
    publisher.calls[1]?.settle();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('should stop at a failed publish, report it, and rethrow it from flush', async () => {
    const publisher = controlledPublisher();
    const relay = createTokenRelay(publisher.publish);
    relay.push('kept');
    relay.push('lost');
    const down = new Error('Redis is down');
    publisher.calls[0]?.settle(down);
    await tick();
    expect(relay.failure).toBe(down);
    relay.push('ignored');
    expect(publisher.texts()).toEqual(['kept']);
    await expect(relay.flush()).rejects.toBe(down);
  });

  it('should ignore empty deltas', async () => {
    const sent: string[] = [];
    const relay = createTokenRelay((text) => {
      sent.push(text);
      return Promise.resolve();
    });
    relay.push('');
    await relay.flush();
    expect(sent).toEqual([]);
  });
});
