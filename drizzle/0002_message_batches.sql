CREATE TABLE "extraction_batch_items" (
	"batch_id" text NOT NULL,
	"custom_id" text NOT NULL,
	"deal_id" text NOT NULL,
	"note_ids" jsonb NOT NULL,
	"collected" boolean DEFAULT false NOT NULL,
	CONSTRAINT "extraction_batch_items_batch_id_custom_id_pk" PRIMARY KEY("batch_id","custom_id")
);
--> statement-breakpoint
CREATE TABLE "extraction_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"status" text NOT NULL,
	"request_count" integer NOT NULL,
	"scanned" integer NOT NULL,
	"no_new_notes" integer NOT NULL,
	"collector" text,
	"collecting_since" timestamp with time zone,
	"submitted_at" timestamp with time zone NOT NULL,
	"collected_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "extraction_batch_items_open_idx" ON "extraction_batch_items" USING btree ("batch_id","collected");