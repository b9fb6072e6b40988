/**
 * The time every test runs at unless it sets its own: in-process registries get
 * `fixedClock(TEST_NOW)`, spawned processes `MODELS_AS_OF=TEST_NOW` (see `spawnNode`). So no test
 * depends on the day it runs: models that retire later stay as they were when the test was written.
 * Tests of date-sensitive behaviour pick their own times around it.
 */
export const TEST_NOW = '2026-11-28T09:00:00Z';
