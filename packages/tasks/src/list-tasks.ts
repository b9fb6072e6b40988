import { backgroundTasks, type Database, type TaskStatus } from '@aiq/db';
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { TaskRow } from './task-row.js';

/** A cursor this API did not hand out. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor: not a cursor this API returned');
  }
}

export interface ListTasksOptions {
  /** Only this user's tasks; undefined lists everyone's (operators). */
  readonly userId: string | undefined;
  readonly status?: TaskStatus | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

// Cursors carry milliseconds while Postgres keeps microseconds: compare and order at the
// cursor's precision, so rows within one millisecond are neither skipped nor repeated.
const createdAtMs = sql<Date>`date_trunc('milliseconds', ${backgroundTasks.createdAt})`;

/** The position after a row, opaque to clients: base64url of `createdAt|id`. */
function encodeCursor(row: TaskRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidCursorError();
  }
  return { createdAt, id };
}

/**
 * Tasks, newest first, by keyset pagination (stable while new tasks arrive).
 * @throws InvalidCursorError
 */
export async function listTasks(
  database: Database,
  { userId, status, limit, cursor }: ListTasksOptions,
): Promise<{ rows: TaskRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (userId !== undefined) conditions.push(eq(backgroundTasks.userId, userId));
  if (status !== undefined) conditions.push(eq(backgroundTasks.status, status));
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    const older = or(
      lt(createdAtMs, after.createdAt),
      and(eq(createdAtMs, after.createdAt), lt(backgroundTasks.id, after.id)),
    );
    if (older !== undefined) conditions.push(older);
  }
  const rows = await database.db
    .select()
    .from(backgroundTasks)
    .where(and(...conditions))
    .orderBy(desc(createdAtMs), desc(backgroundTasks.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
