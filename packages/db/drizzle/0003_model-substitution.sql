ALTER TABLE "ai_requests" ADD COLUMN "requested_model" text;--> statement-breakpoint
ALTER TABLE "background_tasks" ADD COLUMN "model" text;