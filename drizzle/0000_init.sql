CREATE TABLE "control" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_deals" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"position" integer GENERATED ALWAYS AS IDENTITY (sequence name "crm_deals_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1)
);
--> statement-breakpoint
CREATE TABLE "crm_notes" (
	"id" text PRIMARY KEY NOT NULL,
	"deal_id" text NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"body" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_property_defs" (
	"name" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"type" text NOT NULL,
	"options" jsonb,
	"position" integer GENERATED ALWAYS AS IDENTITY (sequence name "crm_property_defs_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1)
);
--> statement-breakpoint
CREATE TABLE "crm_users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"slack_user_id" text
);
--> statement-breakpoint
CREATE TABLE "note_watermarks" (
	"deal_id" text PRIMARY KEY NOT NULL,
	"note_created_at" timestamp with time zone NOT NULL,
	"note_id" text NOT NULL,
	"run_id" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"object" text NOT NULL,
	"record_id" text NOT NULL,
	"field" text NOT NULL,
	"old_value" jsonb,
	"new_value" jsonb NOT NULL,
	"edited_value" jsonb,
	"source_note_id" text NOT NULL,
	"quote" text NOT NULL,
	"confidence" double precision NOT NULL,
	"model" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"dry_run" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "proposals_status_check" CHECK ("proposals"."status" in ('pending','approved','rejected','edited','applied','would_apply','stale','expired','failed'))
);
--> statement-breakpoint
CREATE TABLE "provenance" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provenance_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"object" text NOT NULL,
	"record_id" text NOT NULL,
	"field" text NOT NULL,
	"action" text NOT NULL,
	"reason" text,
	"previous_value" jsonb,
	"new_value" jsonb,
	"rep_value" jsonb,
	"source_note_id" text,
	"quote" text,
	"model" text,
	"confidence" double precision,
	"actor" text NOT NULL,
	"dry_run" boolean NOT NULL,
	"proposal_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provenance_action_check" CHECK ("provenance"."action" in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict'))
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"mode" text NOT NULL,
	"requested_apply" boolean NOT NULL,
	"locks" jsonb NOT NULL,
	"scanned" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"cap" integer,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deal_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"usage" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"model" text NOT NULL,
	"deal_filter" jsonb,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "crm_deals" ADD CONSTRAINT "crm_deals_owner_id_crm_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."crm_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_notes" ADD CONSTRAINT "crm_notes_deal_id_crm_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."crm_deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_deals_position_idx" ON "crm_deals" USING btree ("position");--> statement-breakpoint
CREATE INDEX "crm_notes_deal_idx" ON "crm_notes" USING btree ("deal_id","created_at","id");--> statement-breakpoint
CREATE INDEX "proposals_record_idx" ON "proposals" USING btree ("object","record_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "proposals_one_pending_idx" ON "proposals" USING btree ("object","record_id","field","new_value","dry_run") WHERE "proposals"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "provenance_run_idx" ON "provenance" USING btree ("run_id","id");--> statement-breakpoint
CREATE INDEX "provenance_record_idx" ON "provenance" USING btree ("object","record_id","field");--> statement-breakpoint
CREATE INDEX "provenance_applied_idx" ON "provenance" USING btree ("object","record_id") WHERE "provenance"."action" in ('written', 'applied') and not "provenance"."dry_run";