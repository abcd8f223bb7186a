-- Custom migration (drizzle-kit generate --custom): every balance of every kind of account, holdings,
-- and net worth for analysts. Same rules as 0001 and 0002: column names are a contract (existing views
-- only gain columns at the end, none is renamed or dropped), the views run with their owner's rights,
-- and every statement stands alone between breakpoints because PGlite runs one statement at a time.
COMMENT ON TABLE citi_sync.holding_snapshots IS 'One row per account and day on which its holdings or plan components differed from its previous snapshot (holdings = 0: it had none left). A snapshot stands until the account''s next one.';
--> statement-breakpoint
COMMENT ON TABLE citi_sync.holdings IS 'The holdings (brokerage) and plan components (retirement) of each snapshot in citi_sync.holding_snapshots; raw keeps every field Citi sent.';
--> statement-breakpoint
-- CREATE OR REPLACE keeps the view's comments and grants; it may only append columns.
CREATE OR REPLACE VIEW analytics.accounts AS
SELECT a.connection_id, a.account_id, a.account_group, a.account_type, a.product_name, a.nickname,
       a.display_account_number, a.currency_code, a.status, a.current_balance, a.available_balance,
       coalesce(b.as_of, a.last_seen_at) AS balance_as_of,
       a.balance_type
  FROM citi_sync.accounts a
  LEFT JOIN LATERAL (
    SELECT max(bh.as_of) AS as_of
      FROM citi_sync.balance_history bh
     WHERE bh.connection_id = a.connection_id AND bh.account_id = a.account_id
  ) b ON true;
--> statement-breakpoint
COMMENT ON COLUMN analytics.accounts.balance_type IS 'ASSET or LIABILITY for the customer, as Citi classifies the account (US balanceType, Asia-Pacific accountClassification); null when Citi did not say.';
--> statement-breakpoint
CREATE OR REPLACE VIEW analytics.balance_history AS
SELECT bh.connection_id, bh.account_id, bh.as_of, bh.current_balance, bh.available_balance,
       bh.balance_type, bh.currency_code, bh.outstanding_balance, bh.available_credit, bh.credit_limit,
       bh.minimum_due, bh.payment_due_date, bh.last_statement_balance, bh.principal_balance, bh.portfolio_value
  FROM citi_sync.balance_history bh;
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.balance_type IS 'ASSET or LIABILITY for the customer at as_of; null when Citi did not say (and on rows stored before citi-sync recorded it).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.currency_code IS 'ISO 4217 currency of the balances: the account''s, else the one currency all its holdings share; null when unknown (and on rows stored before citi-sync recorded it: see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.outstanding_balance IS 'Asia-Pacific cards and loans: the amount owed (outstandingBalance), exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.available_credit IS 'Cards: the credit still available (availableCredit); loans and lines of credit: creditAvailableAmount. Exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.credit_limit IS 'Cards and lines of credit: the credit limit, exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.minimum_due IS 'Cards: the minimum payment due (minimumDueAmount); loans: the payment due (paymentDueAmount). Exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.payment_due_date IS 'The day the next payment is due; null when none is due.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.last_statement_balance IS 'Cards: the balance of the last statement, exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.principal_balance IS 'US loans and lines of credit: the principal owed (currentBalanceAmount), exact.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.balance_history.portfolio_value IS 'Brokerage: the portfolio''s total value (totalPortfolioBalanceAmount); retirement: the account value (accountValue). Exact.';
--> statement-breakpoint
CREATE VIEW analytics.holdings AS
SELECT h.connection_id, h.account_id, h.as_of_date, h.kind, h.holding_key, h.symbol, h.cusip, h.name,
       h.quantity, h.price, h.value, h.currency_code, h.valued_as_of,
       h.as_of_date = latest.as_of_date AS is_latest
  FROM citi_sync.holdings h
  CROSS JOIN LATERAL (
    SELECT max(s.as_of_date) AS as_of_date
      FROM citi_sync.holding_snapshots s
     WHERE s.connection_id = h.connection_id AND s.account_id = h.account_id
  ) latest;
--> statement-breakpoint
COMMENT ON VIEW analytics.holdings IS 'Brokerage holdings and retirement plan components, one row per holding per snapshot. A snapshot is stored on each day an account''s holdings changed and stands until its next one; is_latest marks the account''s current holdings.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.connection_id IS 'The connection the account was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.account_id IS 'The brokerage or retirement account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.as_of_date IS 'The day (UTC) of the sync that observed this snapshot; it stands until the account''s next as_of_date.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.kind IS 'holding (a brokerage position) or plan-component (a part of a retirement plan, e.g. a CD).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.holding_key IS 'Stable within the account across snapshots: the symbol, else the CUSIP, else the component name, else a hash of the content (#2, #3… for repeats).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.symbol IS 'The ticker symbol, e.g. CAIFX, when Citi sent one.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.cusip IS 'The CUSIP of the security, when Citi sent one.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.name IS 'The security''s description, or the plan component''s name.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.quantity IS 'Units held, exact; null for plan components.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.price IS 'The price of one unit, exact, in currency_code.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.value IS 'The holding''s total value (totalValueAmount), exact, in currency_code.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.currency_code IS 'ISO 4217 currency of price and value.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.valued_as_of IS 'The day Citi says price and value are as of (asOfDateTime); null when it did not say.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.holdings.is_latest IS 'True on the rows of the account''s latest snapshot: what it holds now, as far as citi-sync knows.';
--> statement-breakpoint
-- Which balance counts, per account and day (the latest balance_history row by the end of the day):
-- the side is balance_type; when Citi did not say, cards, loans and lines of credit are liabilities
-- and every other account an asset. An asset counts its portfolio value (brokerage, retirement), else
-- its current balance (deposits). A liability counts the amount owed: outstanding balance (Asia-Pacific
-- cards and loans), else principal (US loans, lines of credit), else current balance (US cards).
-- Signs are Citi's: an overdrawn account is a negative asset, a card in credit a negative liability.
-- An account that vanished from its connection's latest listing stops counting after the day it was
-- last seen; the others carry their last balance forward to today, like analytics.daily_balances.
CREATE VIEW analytics.net_worth AS
WITH listed AS (
  SELECT a.connection_id, a.account_id, a.account_type, a.account_group, a.currency_code,
         CASE WHEN a.last_seen_at < max(a.last_seen_at) OVER (PARTITION BY a.connection_id)
              THEN a.last_seen_at::date END AS gone_after
    FROM citi_sync.accounts a
), spans AS (
  SELECT l.connection_id, l.account_id, l.account_type, l.account_group, l.currency_code, s.first_day,
         coalesce(l.gone_after, greatest(current_date, s.last_balance_day)) AS last_day
    FROM listed l
    CROSS JOIN LATERAL (
      SELECT min(bh.as_of)::date AS first_day, max(bh.as_of)::date AS last_balance_day
        FROM citi_sync.balance_history bh
       WHERE bh.connection_id = l.connection_id AND bh.account_id = l.account_id
    ) s
   WHERE s.first_day IS NOT NULL
), daily AS (
  SELECT sp.connection_id, sp.first_day + d.n AS day,
         coalesce(b.currency_code, sp.currency_code) AS currency_code,
         CASE WHEN upper(b.balance_type) IN ('ASSET', 'LIABILITY') THEN upper(b.balance_type)
              WHEN sp.account_type IN ('creditCard', 'loan', 'lineOfCredit')
                OR upper(sp.account_group) IN ('CREDITCARD', 'CREDIT_CARD', 'LOAN', 'LOANS', 'LINEOFCREDIT', 'LINE_OF_CREDIT')
              THEN 'LIABILITY'
              ELSE 'ASSET' END AS side,
         b.current_balance, b.outstanding_balance, b.principal_balance, b.portfolio_value
    FROM spans sp
    CROSS JOIN LATERAL generate_series(0, sp.last_day - sp.first_day) AS d(n)
    CROSS JOIN LATERAL (
      SELECT bh.balance_type, bh.currency_code, bh.current_balance, bh.outstanding_balance,
             bh.principal_balance, bh.portfolio_value
        FROM citi_sync.balance_history bh
       WHERE bh.connection_id = sp.connection_id AND bh.account_id = sp.account_id
         AND bh.as_of < (sp.first_day + d.n + 1)::timestamptz
       ORDER BY bh.as_of DESC
       LIMIT 1
    ) b
), counted AS (
  SELECT d.connection_id, d.day, d.currency_code, d.side,
         CASE d.side WHEN 'ASSET' THEN coalesce(d.portfolio_value, d.current_balance)
                     ELSE coalesce(d.outstanding_balance, d.principal_balance, d.current_balance) END AS amount
    FROM daily d
)
SELECT c.connection_id, c.day, c.currency_code,
       coalesce(sum(c.amount) FILTER (WHERE c.side = 'ASSET'), 0) AS assets,
       coalesce(sum(c.amount) FILTER (WHERE c.side = 'LIABILITY'), 0) AS liabilities,
       coalesce(sum(c.amount) FILTER (WHERE c.side = 'ASSET'), 0)
         - coalesce(sum(c.amount) FILTER (WHERE c.side = 'LIABILITY'), 0) AS net,
       count(*)::integer AS accounts
  FROM counted c
 WHERE c.amount IS NOT NULL
 GROUP BY c.connection_id, c.day, c.currency_code;
--> statement-breakpoint
COMMENT ON VIEW analytics.net_worth IS 'Assets, liabilities and net worth per connection, calendar day and currency, from each account''s latest balance by the end of the day. Assets: portfolio value (brokerage, retirement), else current balance (deposits). Liabilities: the amount owed (outstanding balance, else principal, else current balance) of cards, loans and lines of credit. The side is Citi''s balance_type; when absent, cards, loans and lines of credit are liabilities. Currencies are never summed together.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.connection_id IS 'The connection (one customer''s consent) whose accounts are summed.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.day IS 'The calendar day (in the session''s time zone), from the first recorded balance to today.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.currency_code IS 'ISO 4217 currency of every amount in the row; null for accounts whose currency Citi did not send.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.assets IS 'The sum of the asset accounts'' values at the end of day, exact; 0 when none.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.liabilities IS 'The sum of the amounts owed on liability accounts at the end of day, as a positive number, exact; 0 when none.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.net IS 'assets - liabilities.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.net_worth.accounts IS 'The number of accounts counted (accounts with no usable balance are left out).';
--> statement-breakpoint
-- Explicit grants, guarded as in 0002 (no role on PGlite, or no right to grant).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'citi_sync_reader') THEN
    GRANT SELECT ON analytics.holdings, analytics.net_worth TO citi_sync_reader;
  END IF;
EXCEPTION
  WHEN insufficient_privilege OR feature_not_supported OR undefined_object THEN
    RAISE WARNING 'citi-sync: SELECT on analytics.holdings and analytics.net_worth was not granted to citi_sync_reader (%); grant it by hand', SQLERRM;
END
$$;
