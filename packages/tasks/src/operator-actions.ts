import { operatorActions, type Database, type OperatorDoor } from '@aiq/db';

/** Who did something to tasks, and through which door. */
export interface Actor {
  readonly door: OperatorDoor;
  /** A user id, `cli:<os user>`, or `database` for the runbook's SQL. */
  readonly by: string;
}

/** One audited action. */
export interface OperatorAction extends Actor {
  readonly action: 'retry' | 'bulk_retry' | 'dlq_replay' | 'dlq_purge';
  readonly taskIds: readonly string[];
  readonly filters?: Record<string, unknown>;
  readonly matched: number;
  readonly changed: number;
  readonly skipped: number;
}

/** Appends one row to `operator_actions`. */
export async function recordOperatorAction(
  database: Database,
  action: OperatorAction,
): Promise<void> {
  await database.db.insert(operatorActions).values({
    action: action.action,
    door: action.door,
    actor: action.by,
    taskIds: [...action.taskIds],
    filters: action.filters ?? null,
    matched: action.matched,
    changed: action.changed,
    skipped: action.skipped,
  });
}
