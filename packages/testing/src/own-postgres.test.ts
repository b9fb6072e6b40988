import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { startOwnPostgres } from './own-postgres.js';

describe('startOwnPostgres', () => {
  it('should run a server that can be stopped and started with its data kept', async () => {
    const server = await startOwnPostgres();
    try {
      const first = postgres(server.url, { max: 1, onnotice: () => undefined });
      await first`CREATE TABLE kept (id int)`;
      await first`INSERT INTO kept VALUES (1)`;
      await first.end();

      await server.stop();
      const down = postgres(server.url, { max: 1, connect_timeout: 2 });
      await expect(down`SELECT 1`).rejects.toThrow();
      await down.end();

      await server.start();
      const second = postgres(server.url, { max: 1 });
      expect(await second`SELECT id FROM kept`).toEqual([{ id: 1 }]);
      await second.end();
    } finally {
      await server.destroy();
    }
  });
});
