CREATE TABLE "heartbeats" (
	"name" text PRIMARY KEY NOT NULL,
	"beat_at" timestamp with time zone NOT NULL,
	"alerted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"job_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"relayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "run_deals" (
	"run_id" text NOT NULL,
	"deal_id" text NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"usage" jsonb,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "run_deals_run_id_deal_id_pk" PRIMARY KEY("run_id","deal_id")
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "schedule_id" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "fanout_cursor" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "fanout_done" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "fanout_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "paused_during" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "summary_claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "summary_posted_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_job_idx" ON "outbox" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "outbox_unrelayed_idx" ON "outbox" USING btree ("id") WHERE "outbox"."relayed_at" is null;--> statement-breakpoint
CREATE INDEX "run_deals_queued_idx" ON "run_deals" USING btree ("run_id") WHERE "run_deals"."state" = 'queued';