CREATE TABLE "task_steps" (
	"task_id" uuid NOT NULL,
	"step" text NOT NULL,
	"output" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_steps_pkey" PRIMARY KEY("task_id","step")
);
