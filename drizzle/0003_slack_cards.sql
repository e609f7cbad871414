CREATE TABLE "slack_threads" (
	"run_id" text NOT NULL,
	"deal_id" text NOT NULL,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	CONSTRAINT "slack_threads_run_id_deal_id_pk" PRIMARY KEY("run_id","deal_id")
);
--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "slack_channel" text;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "slack_ts" text;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "outcome" text;