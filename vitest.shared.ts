import type { ViteUserConfig } from 'vitest/config';

// Vite's own server defaults (`defaultServerConditions`), with our source condition first.
const conditions = ['@aiq/source', 'module', 'node', 'development|production'];

/**
 * Settings every vitest project shares. Workspace packages resolve to their TypeScript
 * source through the `@aiq/source` export condition (house style R3), so tests need no build.
 */
export const sharedConfig = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    globals: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
} satisfies ViteUserConfig;
