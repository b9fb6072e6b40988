import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// The default run (`pnpm test`) checks the oracle itself; the fault rows (`test/*.chaos.ts`)
// run only under `pnpm test:chaos` (vitest.chaos.config.ts).
export default mergeConfig(sharedConfig, defineProject({ test: { name: '@aiq/chaos' } }));
