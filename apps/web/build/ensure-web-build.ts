import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
/** What the API serves under `/`: the built app. */
export const WEB_DIST_DIR = join(WEB_DIR, 'dist');
/** What the build is made from: the app and the client package it bundles. */
const SOURCES = [
  join(WEB_DIR, 'index.html'),
  join(WEB_DIR, 'vite.config.ts'),
  join(WEB_DIR, 'src'),
  join(WEB_DIR, '..', '..', 'packages', 'client', 'src'),
  join(WEB_DIR, '..', '..', 'packages', 'events', 'src'),
];

/** The newest modification time under `path`, 0 when it does not exist. */
function newestChange(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(
    stats.mtimeMs,
    ...readdirSync(path).map((entry) => newestChange(join(path, entry))),
  );
}

/** True when `dist` is missing or older than a source file. */
export function isWebBuildStale(): boolean {
  const built = newestChange(join(WEB_DIST_DIR, 'index.html'));
  return built === 0 || Math.max(...SOURCES.map(newestChange)) > built;
}

/**
 * Builds the app with Vite (its own process) when the build is missing or stale, so `pnpm
 * start` and the browser tests of a clean clone serve the current code. Says whether it built.
 */
export async function ensureWebBuild(): Promise<boolean> {
  if (!isWebBuildStale()) return false;
  const vite = join(
    createRequire(import.meta.url).resolve('vite/package.json'),
    '..',
    'bin',
    'vite.js',
  );
  // Built aside, then swapped in: a build running at the same time (another test file, a second
  // `pnpm start`) never serves a half-written dist.
  const aside = `${WEB_DIST_DIR}.${process.pid}-${Date.now()}`;
  try {
    await promisify(execFile)(
      process.execPath,
      [vite, 'build', '--logLevel', 'warn', '--outDir', aside, '--emptyOutDir'],
      { cwd: WEB_DIR },
    );
    const old = `${aside}.old`;
    await rename(WEB_DIST_DIR, old).catch(() => undefined);
    await rename(aside, WEB_DIST_DIR);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
  return true;
}
