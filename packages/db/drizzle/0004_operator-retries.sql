CREATE TABLE "operator_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"action" text NOT NULL,
	"door" text NOT NULL,
	"actor" text NOT NULL,
	"task_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"filters" jsonb,
	"matched" integer DEFAULT 0 NOT NULL,
	"changed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operator_actions_door_check" CHECK (door IN ('api', 'cli', 'bull_board', 'sql', 'dlq'))
);
--> statement-breakpoint
ALTER TABLE "background_tasks" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "operator_actions_created_at_idx" ON "operator_actions" USING btree ("created_at");--> statement-breakpoint
-- retry_count used to hold the attempts of the one run (attempt - 1); it now counts retries by
-- an operator or a client, and the run's attempts have their own column.
UPDATE "background_tasks" SET "attempts" = "retry_count" + CASE WHEN "started_at" IS NULL THEN 0 ELSE 1 END, "retry_count" = 0;
