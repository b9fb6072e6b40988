import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { testServices } from './services.js';

/** A database of its own for one test file, on the shared server. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * Creates a fresh, empty database (`aiq_test_<random>`), so each test file migrates and
 * queries in isolation and files run in parallel.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { postgresUrl } = await testServices();
  const name = `aiq_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(postgresUrl, name),
    name,
    async drop() {
      const dropper = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
