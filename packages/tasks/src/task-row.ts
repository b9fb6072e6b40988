import type { backgroundTasks } from '@aiq/db';

/** A `background_tasks` row: the one shape of a task everywhere (API, worker, CLI). */
export type TaskRow = typeof backgroundTasks.$inferSelect;
