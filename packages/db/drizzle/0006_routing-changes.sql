CREATE TABLE "routing_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"target" text NOT NULL,
	"target_kind" text NOT NULL,
	"action" text NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "routing_changes_target_kind_check" CHECK (target_kind IN ('provider', 'model')),
	CONSTRAINT "routing_changes_action_check" CHECK (action IN ('disable', 'enable'))
);
--> statement-breakpoint
CREATE INDEX "routing_changes_created_at_idx" ON "routing_changes" USING btree ("created_at");