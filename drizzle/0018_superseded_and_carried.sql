-- Issue 18 (SPEC G12), hand-written.
-- A pending proposal replaced by a newer one for the same field (a live run's card for a
-- change a dry run previewed, or a newer value) becomes `superseded`, pointing at the newer
-- one, and its card loses its buttons; the log records `superseded`. A live proposal that
-- inherits a person's decision on the dry-run card for the same change records where the
-- decision came from, so nobody is asked twice.
ALTER TABLE "proposals" ADD COLUMN "superseded_by" text;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "carried_from" text;--> statement-breakpoint
ALTER TABLE "proposals" DROP CONSTRAINT "proposals_status_check";--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_status_check" CHECK ("proposals"."status" in ('pending','approved','rejected','edited','applied','would_apply','stale','expired','superseded','failed'));--> statement-breakpoint
ALTER TABLE "provenance" DROP CONSTRAINT "provenance_action_check";--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_action_check" CHECK ("provenance"."action" in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict','overturned','promoted','would_promote','superseded'));
