-- Issue 18, "word of every write": after a live run each deal's owner is told, in one
-- message in the deal's thread, what Scout wrote without a person. `write_notices` marks
-- the (run, deal) pairs whose notice was claimed, so it is posted at most once however
-- often publishing is retried, and keeps where it went (for redrawing it after an Undo)
-- and to whom (who may undo from it, besides ops admins).
CREATE TABLE "write_notices" (
	"run_id" text NOT NULL,
	"record_id" text NOT NULL,
	"owner_slack_id" text,
	"slack_channel" text,
	"slack_ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "write_notices_run_id_record_id_pk" PRIMARY KEY("run_id","record_id")
);
