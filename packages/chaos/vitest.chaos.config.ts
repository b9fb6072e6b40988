import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// `pnpm test:chaos`: one row at a time (they share 2 cores and spawn their own processes),
// each within two minutes.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      name: '@aiq/chaos',
      include: ['test/**/*.chaos.ts'],
      globalSetup: ['test/global-setup.ts'],
      fileParallelism: false,
      testTimeout: 180_000,
      hookTimeout: 120_000,
    },
  }),
);
