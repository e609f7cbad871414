-- Issue 17 (SPEC G23, G24, G25), hand-written.
-- G24: a rejected proposal keeps the reason a person chose after the one-click Reject
-- (`reject_reason` is one of a short list; `reject_note` is the text of "other").
-- G25: each run records the sha256 and path of the policy it ran under; the policy text
-- itself is kept once per hash in `policies`.
-- G23: promoting a suggestion logs `promoted` / `would_promote`, so the action check widens.
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
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_action_check" CHECK ("provenance"."action" in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict','overturned','promoted','would_promote'));
