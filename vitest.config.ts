import { defineConfig } from 'vitest/config';

// One run for the whole workspace: each app and package is a project with its own config.
export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*', 'scripts', 'bench'],
  },
});
