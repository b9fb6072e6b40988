CREATE TABLE "ai_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid,
	"user_id" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error_code" text,
	"error_message" text,
	"prompt" text,
	"response" text,
	"partial" boolean DEFAULT false NOT NULL,
	"finish_reason" text,
	"tokens_used" integer,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"cost_usd" numeric(12, 6),
	"duration_ms" integer,
	"ttft_ms" integer,
	"attempt" integer DEFAULT 1 NOT NULL,
	"provider_request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "ai_requests_status_check" CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'timeout', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"role" text DEFAULT 'user' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_role_check" CHECK ("api_keys"."role" IN ('user', 'operator'))
);
--> statement-breakpoint
CREATE TABLE "background_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"input" jsonb NOT NULL,
	"result" jsonb,
	"error_code" text,
	"error_message" text,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text,
	"deadline_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "background_tasks_status_check" CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'timeout', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ai_requests_created_at_idx" ON "ai_requests" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ai_requests_status_created_at_idx" ON "ai_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "ai_requests_model_created_at_idx" ON "ai_requests" USING btree ("model","created_at");--> statement-breakpoint
CREATE INDEX "ai_requests_error_code_idx" ON "ai_requests" USING btree ("error_code","created_at") WHERE "ai_requests"."error_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "ai_requests_task_id_idx" ON "ai_requests" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "ai_requests_user_id_created_at_idx" ON "ai_requests" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_idx" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_id_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "background_tasks_status_created_at_idx" ON "background_tasks" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "background_tasks_type_idx" ON "background_tasks" USING btree ("type");--> statement-breakpoint
CREATE INDEX "background_tasks_user_id_created_at_idx" ON "background_tasks" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "background_tasks_user_idempotency_key_idx" ON "background_tasks" USING btree ("user_id","idempotency_key") WHERE "background_tasks"."idempotency_key" IS NOT NULL;