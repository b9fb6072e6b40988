import { fileURLToPath } from 'node:url';
import { spawnNode, type SpawnedProcess } from '@aiq/testing';
import type { WorkerSettings } from '../../src/worker-settings.js';

const entry = fileURLToPath(new URL('../fixtures/worker-process.ts', import.meta.url));

/** Timings that make crash recovery and reconciliation take seconds in tests. */
const fastRecovery: Partial<WorkerSettings> = {
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
  reconcileIntervalMs: 1_000,
  reconcileGraceMs: 1_500,
  shutdownGraceMs: 5_000,
  // A killed worker's unacknowledged ledger batch is taken over after this, not 30 s.
  ledgerClaimIdleMs: 2_000,
};

/** Starts a worker process and resolves once it is consuming. */
export async function spawnWorkerProcess(
  env: Record<string, string>,
  settings: Partial<WorkerSettings> = {},
): Promise<SpawnedProcess> {
  const worker = spawnNode(entry, {
    env: {
      ...env,
      LOG_LEVEL: 'info',
      AIQ_TEST_WORKER_SETTINGS: JSON.stringify({ ...fastRecovery, ...settings }),
    },
  });
  await worker.waitForOutput(/worker started/);
  return worker;
}
