-- Issue 17 (SPEC G23, G24, G25), hand-written.
-- G24: a rejected proposal keeps the reason a person chose after the one-click Reject
-- (`reject_reason` is one of a short list; `reject_note` is the text of "other").
-- G25: each run records the sha256 and path of the policy it ran under; the policy text
-- itself is kept once per hash in `policies`.
-- G23: each suggestion a run wrote (or would have) is offered in the deal's Slack thread
-- as a `suggestion_offers` row; a click moves it from `open` exactly once (a conditional
-- update on status and version), and promoting it logs `promoted` / `would_promote`, so
-- the action check widens. `owner_notices` marks the deals of a run whose unverified FYI
-- (a cited finding for a `never` field with notify_owner) was posted, so it is posted once.
ALTER TABLE "proposals" ADD COLUMN "reject_reason" text;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "reject_note" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "policy_sha256" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "policy_path" text;--> statement-breakpoint
CREATE TABLE "policies" (
	"sha256" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "provenance" DROP CONSTRAINT "provenance_action_check";--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_action_check" CHECK ("provenance"."action" in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict','overturned','promoted','would_promote'));--> statement-breakpoint
CREATE TABLE "suggestion_offers" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"record_id" text NOT NULL,
	"field" text NOT NULL,
	"value" jsonb NOT NULL,
	"source_note_id" text,
	"quote" text,
	"confidence" double precision,
	"model" text,
	"dry_run" boolean NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"outcome" text,
	"owner_slack_id" text,
	"slack_channel" text,
	"slack_ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suggestion_offers_status_check" CHECK ("suggestion_offers"."status" in ('open','promoting','promoted','would_promote','filled','dismissed','failed'))
);--> statement-breakpoint
CREATE UNIQUE INDEX "suggestion_offers_run_deal_field_idx" ON "suggestion_offers" USING btree ("run_id","record_id","field");
--> statement-breakpoint
CREATE TABLE "owner_notices" (
	"run_id" text NOT NULL,
	"record_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "owner_notices_run_id_record_id_pk" PRIMARY KEY("run_id","record_id")
);
