import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `vite` (development) sends API calls: an API started by `pnpm start` or `pnpm start:api`. */
const API = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  // Workspace packages (@aiq/client) build from their TypeScript source (house style R3).
  resolve: { conditions: ['@aiq/source', 'module', 'browser', 'development|production'] },
  server: {
    proxy: { '/api': API, '/v1': API, '/admin/queues': API },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1_000 },
});
