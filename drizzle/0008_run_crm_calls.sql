ALTER TABLE "run_deals" ADD COLUMN "crm_calls" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "hubspot_api_calls" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "fanout_crm_calls" integer DEFAULT 0 NOT NULL;