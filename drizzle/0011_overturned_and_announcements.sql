-- Earned autonomy (SPEC G26), hand-written. A run that finds a rep value differing from
-- what Scout wrote there logs an `overturned` row; the action check widens to allow it.
-- `autonomy_announcements` remembers which fields were announced in the ops channel for
-- a rising overturn rate, so the announcement is made once, across restarts.
ALTER TABLE "provenance" DROP CONSTRAINT "provenance_action_check";--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_action_check" CHECK ("provenance"."action" in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict','overturned'));--> statement-breakpoint
CREATE TABLE "autonomy_announcements" (
	"field" text PRIMARY KEY NOT NULL,
	"overturned" integer NOT NULL,
	"auto_writes" integer NOT NULL,
	"announced_at" timestamp with time zone DEFAULT now() NOT NULL
);
