import { makePostgresSafe, operatorActions, type Database, type OperatorDoor } from '@aiq/db';
import { eq } from 'drizzle-orm';

/** Who did something to tasks, and through which door. */
export interface Actor {
  readonly door: OperatorDoor;
  /** A user id, `cli:<os user>`, or `database` for the runbook's SQL. */
  readonly by: string;
}

/** One audited action. */
export interface OperatorAction extends Actor {
  readonly action:
    | 'retry'
    | 'bulk_retry'
    | 'dlq_replay'
    | 'dlq_purge'
    | 'notice_set'
    | 'notice_clear'
    /** A change made through Bull Board, e.g. `bull_board_pause`, `bull_board_remove`. */
    | `bull_board_${string}`;
  readonly taskIds: readonly string[];
  readonly filters?: Record<string, unknown>;
  readonly matched: number;
  readonly changed: number;
  readonly skipped: number;
}

/** Appends one row to `operator_actions`; returns its id. */
export async function recordOperatorAction(
  database: Database,
  action: OperatorAction,
): Promise<string> {
  const [row] = await database.db
    .insert(operatorActions)
    .values({
      action: action.action,
      door: action.door,
      actor: makePostgresSafe(action.by),
      taskIds: [...action.taskIds],
      // Filters carry an operator's text (a notice, a bulk retry's search): U+0000 was a 500.
      filters: makePostgresSafe(action.filters) ?? null,
      matched: action.matched,
      changed: action.changed,
      skipped: action.skipped,
    })
    .returning({ id: operatorActions.id });
  if (row === undefined) throw new Error('operator_actions: the row was not written');
  return row.id;
}

/** Sets the counts of an action recorded before it ran (a bulk retry, as it progresses). */
export async function updateOperatorAction(
  database: Database,
  id: string,
  counts: Pick<OperatorAction, 'changed' | 'skipped'>,
): Promise<void> {
  await database.db.update(operatorActions).set(counts).where(eq(operatorActions.id, id));
}
