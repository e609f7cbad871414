CREATE TABLE "write_intents" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "write_intents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"object" text NOT NULL,
	"record_id" text NOT NULL,
	"property" text NOT NULL,
	"mode" text NOT NULL,
	"expected" jsonb,
	"value" jsonb,
	"entry" jsonb NOT NULL,
	"proposal_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	"outcome" text,
	CONSTRAINT "write_intents_mode_check" CHECK ("write_intents"."mode" in ('write','restore'))
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "lease_holder" text;--> statement-breakpoint
CREATE INDEX "write_intents_open_idx" ON "write_intents" USING btree ("record_id","id") WHERE "write_intents"."settled_at" is null;--> statement-breakpoint
CREATE INDEX "runs_running_lease_idx" ON "runs" USING btree ("lease_until") WHERE "runs"."status" = 'running';