-- Custom migration (drizzle-kit generate --custom): the public, stable surface for analysts and
-- BI tools. Column names here are a contract: add columns at the end, never rename or drop one.
-- The views run with their owner's rights, so a reader needs no access to schema citi_sync, and no
-- view exposes tokens. Each statement is separated by a breakpoint: PGlite runs one statement at a time.
CREATE SCHEMA IF NOT EXISTS analytics;
--> statement-breakpoint
COMMENT ON SCHEMA analytics IS 'citi-sync: read-only views of synced Citi data for SQL analytics and BI tools. Grant role citi_sync_reader to read them.';
--> statement-breakpoint
CREATE VIEW analytics.accounts AS
SELECT a.connection_id, a.account_id, a.account_group, a.account_type, a.product_name, a.nickname,
       a.display_account_number, a.currency_code, a.status, a.current_balance, a.available_balance,
       coalesce(b.as_of, a.last_seen_at) AS balance_as_of
  FROM citi_sync.accounts a
  LEFT JOIN LATERAL (
    SELECT max(bh.as_of) AS as_of
      FROM citi_sync.balance_history bh
     WHERE bh.connection_id = a.connection_id AND bh.account_id = a.account_id
  ) b ON true;
--> statement-breakpoint
COMMENT ON VIEW analytics.accounts IS 'One row per bank account of every connection (data of removed connections is kept).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.connection_id IS 'The connection (one user consent) the account was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.account_id IS 'Citi''s opaque account id; unique within a connection.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.account_group IS 'CHECKING, SAVINGS, CREDIT_CARD or LOANS.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.account_type IS 'checking, savings, creditCard or loan (from the kind of summary Citi sent, e.g. checkingAccountSummary).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.product_name IS 'Citi''s product name, e.g. Citi Double Cash.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.nickname IS 'The nickname the customer gave the account.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.display_account_number IS 'The masked account number, e.g. XXXXXX2391.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.currency_code IS 'ISO 4217 currency of the balances.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.status IS 'ACTIVE, CLOSED or DORMANT as Citi reports it.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.current_balance IS 'The balance at balance_as_of, exact, in currency_code.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.available_balance IS 'The available balance (credit cards: available credit) at balance_as_of, exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.balance_as_of IS 'When the balances were observed: the latest balance_history entry, else when the account was last seen.';
--> statement-breakpoint
CREATE VIEW analytics.transactions AS
SELECT t.connection_id, t.account_id, t.transaction_id, t.status, t.transaction_date, t.posting_date,
       t.amount, t.currency_code, t.description, t.merchant_name, t.merchant_category_code,
       t.transaction_type, t.foreign_amount, t.foreign_currency_code, t.first_seen_at, t.updated_at
  FROM citi_sync.transactions t
 WHERE t.removed_at IS NULL;
--> statement-breakpoint
COMMENT ON VIEW analytics.transactions IS 'Bank transactions, pending and posted; transactions that disappeared from the bank (a pending one that posted under a new id, or expired) are left out.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.connection_id IS 'The connection the transaction was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.account_id IS 'The account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.transaction_id IS 'Citi''s transaction id, or a stable id derived from the row''s content when Citi sent none. A pending transaction gets a new id when it posts.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.status IS 'pending or posted.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.transaction_date IS 'The day of the transaction (a calendar date, no time zone).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.posting_date IS 'The day it posted; null while pending.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.amount IS 'Signed and exact, in currency_code: negative = money leaving the customer (a debit or a card charge), positive = money arriving (a credit, a card payment or refund).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.currency_code IS 'ISO 4217 currency of amount.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.description IS 'The bank''s description of the transaction.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.merchant_name IS 'The merchant, when Citi names one.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.merchant_category_code IS 'ISO 18245 merchant category code (MCC), when known.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.transaction_type IS 'Citi''s type, e.g. PURCHASE, PAYMENT, FEE, INTEREST.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.foreign_amount IS 'The amount in the foreign currency, for foreign transactions.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.foreign_currency_code IS 'ISO 4217 currency of foreign_amount.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.first_seen_at IS 'When citi-sync first stored the transaction.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions.updated_at IS 'When citi-sync last stored a change to it (not when it was last fetched).';
--> statement-breakpoint
CREATE VIEW analytics.balance_history AS
SELECT bh.connection_id, bh.account_id, bh.as_of, bh.current_balance, bh.available_balance
  FROM citi_sync.balance_history bh;
--> statement-breakpoint
COMMENT ON VIEW analytics.balance_history IS 'Account balances over time, one row per observation.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.connection_id IS 'The connection the balance was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.account_id IS 'The account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.as_of IS 'When the balance was observed.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.current_balance IS 'The current balance, exact, in the account''s currency.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.available_balance IS 'The available balance, exact, in the account''s currency.';
--> statement-breakpoint
CREATE VIEW analytics.statements AS
SELECT s.connection_id, s.account_id, s.statement_id, s.statement_date, s.beginning_balance, s.ending_balance,
       s.total_debits, s.total_credits, s.minimum_due, s.payment_due_date
  FROM citi_sync.statements s;
--> statement-breakpoint
COMMENT ON VIEW analytics.statements IS 'Credit card statements as issued (immutable).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.connection_id IS 'The connection the statement was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.account_id IS 'The card account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.statement_id IS 'Citi''s statement id.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.statement_date IS 'The closing date of the statement.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.beginning_balance IS 'The balance at the start of the period.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.ending_balance IS 'The balance at the end of the period (the statement balance).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.total_debits IS 'The sum of charges in the period.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.total_credits IS 'The sum of payments and credits in the period.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.minimum_due IS 'The minimum payment due.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.statements.payment_due_date IS 'The day the payment is due.';
--> statement-breakpoint
CREATE VIEW analytics.sync_runs AS
SELECT r.id, r.parent_id, r.connection_id, r.account_id, r."trigger", r.status, r.started_at, r.finished_at,
       round(extract(epoch FROM (r.finished_at - r.started_at))::numeric, 3) AS duration_seconds,
       r.requests, r.pages, r.rows_inserted, r.rows_updated, r.rows_unchanged, r.rows_removed, r.error
  FROM citi_sync.sync_runs r;
--> statement-breakpoint
COMMENT ON VIEW analytics.sync_runs IS 'One row per sync of a connection (account_id null) and one per account synced in it (parent_id points at the connection''s row).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.id IS 'The run''s id.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.parent_id IS 'For an account''s run, the id of its connection''s run; null on a connection''s run.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.connection_id IS 'The connection synced.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.account_id IS 'The account synced; null on the connection-level row.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs."trigger" IS 'What started the run: cli, demo, schedule, manual or worker.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.status IS 'running, succeeded, failed, partial (some accounts failed) or skipped.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.started_at IS 'When the run started.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.finished_at IS 'When the run ended; null while running.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.duration_seconds IS 'finished_at - started_at in seconds; null while running.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.requests IS 'HTTP requests made to Citi.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.pages IS 'Result pages fetched.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.rows_inserted IS 'Transactions stored for the first time.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.rows_updated IS 'Transactions whose stored values changed.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.rows_unchanged IS 'Transactions fetched again with no change (not rewritten).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.rows_removed IS 'Transactions that disappeared from the bank (e.g. a pending one that posted).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.sync_runs.error IS 'Why the run failed, when it did.';
--> statement-breakpoint
-- A read-only role for BI tools (NOLOGIN: grant it to a login role). Creating roles needs the
-- CREATEROLE privilege and is cluster-wide; without it (or on PGlite) the migration goes on without the
-- role and warns.
DO $$
BEGIN
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'citi_sync_reader') THEN
      CREATE ROLE citi_sync_reader NOLOGIN;
    END IF;
  EXCEPTION
    -- Another database's migration on the same cluster created it a moment ago.
    WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  GRANT USAGE ON SCHEMA analytics TO citi_sync_reader;
  GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO citi_sync_reader;
  ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO citi_sync_reader;
EXCEPTION
  WHEN insufficient_privilege OR feature_not_supported OR undefined_object THEN
    RAISE WARNING 'citi-sync: role citi_sync_reader was not set up (%); grant SELECT on schema analytics to your BI role by hand', SQLERRM;
END
$$;
