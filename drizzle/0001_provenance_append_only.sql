-- SPEC G10: the provenance log is append-only. Row triggers refuse UPDATE and DELETE,
-- a statement trigger refuses TRUNCATE; they hold for every role that does not first
-- disable triggers (which needs table ownership), including the application's.
CREATE FUNCTION scout_provenance_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'provenance is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER provenance_no_update_delete
  BEFORE UPDATE OR DELETE ON "provenance"
  FOR EACH ROW EXECUTE FUNCTION scout_provenance_append_only();
--> statement-breakpoint
CREATE TRIGGER provenance_no_truncate
  BEFORE TRUNCATE ON "provenance"
  FOR EACH STATEMENT EXECUTE FUNCTION scout_provenance_append_only();
