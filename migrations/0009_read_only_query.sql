-- `citi-sync sql` runs a person's query through this function (issue 10 item 1). It is SECURITY
-- DEFINER and owned by citi_sync_reader, so the query runs with the reader's rights only (SELECT on
-- schema analytics) and, inside it, Postgres refuses to change role ("cannot set parameter role
-- within security-definer function"). A plain SET LOCAL ROLE is not enough: a superuser session
-- can take its role back from inside the query (set_config('role', …), a DO block) and then run
-- COPY … TO PROGRAM in a READ ONLY transaction. Wrapping the text as a subquery also limits it to
-- one query that returns rows: no COPY, LOCK, DDL, DML or transaction control can appear there.
CREATE OR REPLACE FUNCTION citi_sync.read_only_query(query text) RETURNS SETOF json
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
AS $fn$
BEGIN
  RETURN QUERY EXECUTE 'SELECT pg_catalog.row_to_json(q) FROM (' || query || E'\n) AS q';
END
$fn$;
--> statement-breakpoint
COMMENT ON FUNCTION citi_sync.read_only_query(text) IS 'citi-sync: runs one query with the rights of citi_sync_reader (used by the sql command); each row as json.';
--> statement-breakpoint
-- Giving the function to the reader needs the migrating role to be a member of it and the reader to
-- hold CREATE on the schema at that moment (taken back at once). Without the role or the right
-- (PGlite has both), the function stays with its creator and `citi-sync sql` refuses to run.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'citi_sync_reader') THEN
    RAISE WARNING 'citi-sync: role citi_sync_reader does not exist, so `citi-sync sql` will refuse to run';
    RETURN;
  END IF;
  IF NOT pg_catalog.pg_has_role(CURRENT_USER, 'citi_sync_reader', 'MEMBER') THEN
    GRANT citi_sync_reader TO CURRENT_USER;
  END IF;
  GRANT CREATE ON SCHEMA citi_sync TO citi_sync_reader;
  ALTER FUNCTION citi_sync.read_only_query(text) OWNER TO citi_sync_reader;
  REVOKE CREATE ON SCHEMA citi_sync FROM citi_sync_reader;
EXCEPTION
  WHEN insufficient_privilege OR feature_not_supported OR undefined_object OR invalid_grant_operation THEN
    RAISE WARNING 'citi-sync: citi_sync.read_only_query could not be given to citi_sync_reader (%); `citi-sync sql` will refuse to run until a superuser runs: ALTER FUNCTION citi_sync.read_only_query(text) OWNER TO citi_sync_reader', SQLERRM;
END
$$;
