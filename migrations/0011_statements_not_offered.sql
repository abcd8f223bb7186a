ALTER TABLE "citi_sync"."accounts" ADD COLUMN "statements_not_offered_at" timestamp with time zone;--> statement-breakpoint
-- What a run noticed without failing (repeated account ids, entries not synced, statements not
-- offered, a history limit capped) was stored on the run but not shown: analysts and dashboards read
-- the analytics schema only. A new column goes at the end, so the view is replaced in place and its
-- grants and comments stay.
CREATE OR REPLACE VIEW analytics.sync_runs AS
SELECT r.id, r.parent_id, r.connection_id, r.account_id, r."trigger", r.status, r.started_at, r.finished_at,
       round(extract(epoch FROM (r.finished_at - r.started_at))::numeric, 3) AS duration_seconds,
       r.requests, r.pages, r.rows_inserted, r.rows_updated, r.rows_unchanged, r.rows_removed, r.error,
       r.warnings
  FROM citi_sync.sync_runs r;
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.warnings IS 'What the run noticed without failing, as a JSON array of sentences (e.g. an account id listed twice, insurance not synced, statements not offered); [] when nothing.';
