import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Status of a provider attempt and of a task. The names are the runbook's, so its SQL
 * (`status = 'failed'`, `status IN ('failed', 'timeout')`) runs unchanged.
 */
export const TASK_STATUSES = [
  'pending',
  'processing',
  'completed',
  'failed',
  'timeout',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task that may still run: the reconciler watches these, a cancel may end them. */
export const OPEN_TASK_STATUSES = [
  'pending',
  'processing',
] as const satisfies readonly TaskStatus[];
/** A task that has ended. The first terminal write wins; only a retry reopens one. */
export const TERMINAL_TASK_STATUSES = [
  'completed',
  'failed',
  'timeout',
  'cancelled',
] as const satisfies readonly TaskStatus[];
/** The terminal statuses a retry reopens (the runbook's `status IN ('failed', 'timeout')`). */
export const RETRYABLE_TASK_STATUSES = [
  'failed',
  'timeout',
] as const satisfies readonly TaskStatus[];
export type OpenTaskStatus = (typeof OPEN_TASK_STATUSES)[number];
export type TerminalTaskStatus = (typeof TERMINAL_TASK_STATUSES)[number];

export const API_KEY_ROLES = ['user', 'operator'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

const statusCheck = (name: string, column: string) =>
  check(name, sql.raw(`${column} IN (${TASK_STATUSES.map((status) => `'${status}'`).join(', ')})`));

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** People and services that own tasks. */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name'),
  createdAt: createdAt(),
});

/** Bearer API keys. Only a SHA-256 hash of the key is stored; the key is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key (`aiq_ab12…`), so operators can tell keys apart. */
    keyPrefix: text('key_prefix').notNull(),
    role: text('role', { enum: API_KEY_ROLES }).notNull().default('user'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('api_keys_key_hash_idx').on(table.keyHash),
    index('api_keys_user_id_idx').on(table.userId),
    check('api_keys_role_check', sql`${table.role} IN ('user', 'operator')`),
  ],
);

/**
 * Every accepted task (a generation, an ensemble or a long-running job), written before it
 * is enqueued. The queue may lose a job; this row is what the reconciler re-enqueues from.
 */
export const backgroundTasks = pgTable(
  'background_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').notNull(),
    /** `ai_generation`, `ai_ensemble`, or a registered background type such as `ai_analyze_document`. */
    type: text('type').notNull(),
    status: text('status', { enum: TASK_STATUSES }).notNull().default('pending'),
    input: jsonb('input').notNull(),
    /**
     * The model the latest attempt of a generation called: the one `input.model` asked for, its
     * successor once it reached its end of life, or a fallback. Null before the first attempt.
     */
    model: text('model'),
    result: jsonb('result'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /**
     * Times an operator or a client retried this task after it failed (every door: the API,
     * `aiq retry`, Bull Board, the runbook's bulk-retry SQL). Not the attempts of one run: the
     * runbook's guard `retry_count < 3` means "retried fewer than three times".
     */
    retryCount: integer('retry_count').notNull().default(0),
    /** Attempts made by the current run (since the task was submitted or last retried). */
    attempts: integer('attempts').notNull().default(0),
    idempotencyKey: text('idempotency_key'),
    deadlineAt: timestamp('deadline_at', { withTimezone: true }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    statusCheck('background_tasks_status_check', 'status'),
    index('background_tasks_status_created_at_idx').on(table.status, table.createdAt),
    index('background_tasks_type_idx').on(table.type),
    index('background_tasks_user_id_created_at_idx').on(table.userId, table.createdAt),
    uniqueIndex('background_tasks_user_idempotency_key_idx')
      .on(table.userId, table.idempotencyKey)
      .where(sql`${table.idempotencyKey} IS NOT NULL`),
  ],
);

/** One row per provider attempt: the runbook's telemetry table. */
export const aiRequests = pgTable(
  'ai_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    taskId: uuid('task_id'),
    userId: text('user_id').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    /**
     * The model the request asked for when aiq called another in its place because it had reached
     * its end of life (`model` is then the registry's successor); null when `model` was asked for.
     */
    requestedModel: text('requested_model'),
    status: text('status', { enum: TASK_STATUSES }).notNull().default('pending'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    prompt: text('prompt'),
    response: text('response'),
    /** The response was cut off (timeout, disconnect, cancel): `response` holds what arrived. */
    partial: boolean('partial').notNull().default(false),
    finishReason: text('finish_reason'),
    /** prompt_tokens + completion_tokens, as the runbook sums it. */
    tokensUsed: integer('tokens_used'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    costUsd: numeric('cost_usd', { precision: 12, scale: 6 }),
    durationMs: integer('duration_ms'),
    /** Time to first token. */
    ttftMs: integer('ttft_ms'),
    attempt: integer('attempt').notNull().default(1),
    providerRequestId: text('provider_request_id'),
    /**
     * Answered from the response cache: no provider call, `cost_usd` 0 and no tokens used; the
     * text, finish reason and model are the original call's.
     */
    cacheHit: boolean('cache_hit').notNull().default(false),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [
    statusCheck('ai_requests_status_check', 'status'),
    index('ai_requests_created_at_idx').on(table.createdAt),
    index('ai_requests_status_created_at_idx').on(table.status, table.createdAt),
    index('ai_requests_model_created_at_idx').on(table.model, table.createdAt),
    index('ai_requests_error_code_idx')
      .on(table.errorCode, table.createdAt)
      .where(sql`${table.errorCode} IS NOT NULL`),
    index('ai_requests_task_id_idx').on(table.taskId),
    index('ai_requests_user_id_created_at_idx').on(table.userId, table.createdAt),
  ],
);

/**
 * Finished steps of a background task (step memoization): a retried or recovered task reads
 * them and resumes after its last finished step instead of paying for it again.
 */
export const taskSteps = pgTable(
  'task_steps',
  {
    taskId: uuid('task_id').notNull(),
    /** Unique within the task, e.g. `map:3` or `reduce`. */
    step: text('step').notNull(),
    output: jsonb('output').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ name: 'task_steps_pkey', columns: [table.taskId, table.step] })],
);

/** Where an operator action came from. */
export const OPERATOR_DOORS = ['api', 'cli', 'bull_board', 'sql', 'dlq'] as const;
export type OperatorDoor = (typeof OPERATOR_DOORS)[number];

/**
 * The audit trail of what people did to tasks: every retry from every door, dead-letter replays
 * and purges. One row per action; a bulk action names its filters and counts.
 */
export const operatorActions = pgTable(
  'operator_actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `retry`, `bulk_retry`, `dlq_replay`, `dlq_purge`, `notice_set`, `notice_clear`. */
    action: text('action').notNull(),
    door: text('door', { enum: OPERATOR_DOORS }).notNull(),
    /** A user id, `cli:<os user>`, or `database` for the runbook's SQL. */
    actor: text('actor').notNull(),
    /** The tasks acted on (all of them for a bulk action). */
    taskIds: jsonb('task_ids').$type<string[]>().notNull().default([]),
    /** A bulk action's filters, as given. */
    filters: jsonb('filters'),
    matched: integer('matched').notNull().default(0),
    changed: integer('changed').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [
    check(
      'operator_actions_door_check',
      sql.raw(`door IN (${OPERATOR_DOORS.map((door) => `'${door}'`).join(', ')})`),
    ),
    index('operator_actions_created_at_idx').on(table.createdAt),
  ],
);

/** What a routing change switched: a provider (`openai`) or one model id. */
export const ROUTING_TARGET_KINDS = ['provider', 'model'] as const;
export type RoutingTargetKind = (typeof ROUTING_TARGET_KINDS)[number];
export const ROUTING_ACTIONS = ['disable', 'enable'] as const;
export type RoutingAction = (typeof ROUTING_ACTIONS)[number];

/**
 * Every operator switch-over (who, when, why): the flag itself lives in Redis
 * (`@aiq/routing`), this is its audit trail.
 */
export const routingChanges = pgTable(
  'routing_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** A provider name or a model id. */
    target: text('target').notNull(),
    targetKind: text('target_kind', { enum: ROUTING_TARGET_KINDS }).notNull(),
    action: text('action', { enum: ROUTING_ACTIONS }).notNull(),
    /** Required for `disable`; optional for `enable`. */
    reason: text('reason'),
    /** The operator's user id (or `cli:<os user>`). */
    actor: text('actor').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    check(
      'routing_changes_target_kind_check',
      sql.raw(`target_kind IN (${ROUTING_TARGET_KINDS.map((kind) => `'${kind}'`).join(', ')})`),
    ),
    check(
      'routing_changes_action_check',
      sql.raw(`action IN (${ROUTING_ACTIONS.map((action) => `'${action}'`).join(', ')})`),
    ),
    index('routing_changes_created_at_idx').on(table.createdAt),
  ],
);
