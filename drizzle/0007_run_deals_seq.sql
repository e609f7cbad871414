DROP INDEX "run_deals_queued_idx";--> statement-breakpoint
ALTER TABLE "run_deals" ADD COLUMN "seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "run_deals_queued_seq_idx" ON "run_deals" USING btree ("run_id","seq") WHERE "run_deals"."state" = 'queued';