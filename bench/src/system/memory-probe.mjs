// Preloaded into a process the bench measures (NODE_OPTIONS="--expose-gc --import <this file>"):
// on SIGUSR2 it collects garbage and prints its memory on one line. Plain JavaScript because
// NODE_OPTIONS imports run before tsx is registered. Nothing runs until the signal comes.
import process from 'node:process';

process.on('SIGUSR2', () => {
  // Twice: the second pass frees what the first one's weak callbacks and finalizers released.
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  process.stdout.write(`bench-memory ${JSON.stringify({ rss, heapUsed, external })}\n`);
});
