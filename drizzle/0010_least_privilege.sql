-- SPEC G21: the runtime works under a role that may append to the log but not rewrite it
-- (`scout migrate --grant ROLE`). Two things that role could do only with UPDATE rights
-- move into functions owned by the schema owner:
--  * the hash chain's head, advanced by the insert trigger (the runtime reads it only);
--  * clearing old quotes, limited to rows past the retention floor kept here.
CREATE TABLE "scout_retention" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"min_days" integer NOT NULL,
	CONSTRAINT "scout_retention_single_row" CHECK ("scout_retention"."id"),
	CONSTRAINT "scout_retention_min_days" CHECK ("scout_retention"."min_days" >= 1)
);
--> statement-breakpoint
INSERT INTO "scout_retention" ("id", "min_days") VALUES (true, 30);
--> statement-breakpoint
ALTER FUNCTION scout_provenance_chain() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
CREATE FUNCTION scout_purge_quotes(older_than_days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  floor_days integer;
  cleared bigint;
BEGIN
  SELECT min_days INTO floor_days FROM scout_retention WHERE id;
  IF older_than_days IS NULL OR older_than_days < floor_days THEN
    RAISE EXCEPTION 'quotes younger than the retention period (% days) are kept; asked for %',
      floor_days, older_than_days USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE provenance SET quote = NULL
    WHERE quote IS NOT NULL AND created_at < now() - make_interval(days => older_than_days);
  GET DIAGNOSTICS cleared = ROW_COUNT;
  RETURN cleared;
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION scout_purge_quotes(integer) FROM PUBLIC;
