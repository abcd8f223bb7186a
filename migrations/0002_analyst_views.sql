CREATE TABLE "citi_sync"."merchant_category_overrides" (
	"merchant_name" text PRIMARY KEY NOT NULL,
	"category" text NOT NULL
);
--> statement-breakpoint
-- Everything below is hand-written (the table above was generated from src/db/schema.ts): the
-- analyst views on top of migration 0001's stable views. Same rules as 0001: column names are a
-- contract (add at the end, never rename or drop), the views run with their owner's rights, and
-- every statement stands alone between breakpoints because PGlite runs one statement at a time.
COMMENT ON TABLE citi_sync.merchant_category_overrides IS 'Analysts'' own category per merchant: matched against merchant_name, or description when a transaction has no merchant name. Wins over every other rule of analytics.transactions_categorized.';
--> statement-breakpoint
COMMENT ON TABLE citi_sync.category_overrides IS 'Analysts'' own category per merchant category code (MCC). Wins over citi_sync.mcc_categories.';
--> statement-breakpoint
COMMENT ON TABLE citi_sync.mcc_categories IS 'The default category of each ISO 18245 merchant category code, seeded by citi-sync (a later version may reseed it: put your own choices in category_overrides).';
--> statement-breakpoint
-- ISO 18245 codes (and ranges) grouped into everyday categories. Each row is a range of codes, so the
-- airline, car-rental and hotel chain ranges (3000-3999) are one line each. DO UPDATE, not DO
-- NOTHING: a code listed twice here fails the migration ("cannot affect row a second time") instead
-- of silently keeping whichever came first.
INSERT INTO citi_sync.mcc_categories (merchant_category_code, category)
SELECT lpad(code::text, 4, '0'), r.category
  FROM (VALUES
    (5411, 5411, 'groceries'), (5422, 5422, 'groceries'), (5441, 5441, 'groceries'), (5451, 5451, 'groceries'),
    (5462, 5462, 'groceries'), (5499, 5499, 'groceries'),
    (5811, 5814, 'restaurants'),
    (5541, 5542, 'fuel'), (5983, 5983, 'fuel'),
    (3000, 3350, 'travel'), (3351, 3500, 'travel'), (3501, 3999, 'travel'), (4411, 4411, 'travel'),
    (4511, 4511, 'travel'), (4582, 4582, 'travel'), (4722, 4723, 'travel'), (7011, 7012, 'travel'),
    (7512, 7513, 'travel'), (7519, 7519, 'travel'),
    (4111, 4112, 'transit'), (4121, 4121, 'transit'), (4131, 4131, 'transit'), (4784, 4784, 'transit'),
    (4789, 4789, 'transit'), (7523, 7523, 'transit'),
    (4900, 4900, 'utilities'),
    (4812, 4812, 'telecom & streaming'), (4814, 4816, 'telecom & streaming'), (4899, 4899, 'telecom & streaming'),
    (5815, 5818, 'telecom & streaming'),
    (4119, 4119, 'health'), (5912, 5912, 'health'), (5975, 5976, 'health'), (8011, 8099, 'health'),
    (5300, 5399, 'shopping'), (5611, 5699, 'shopping'), (5732, 5734, 'shopping'), (5931, 5933, 'shopping'),
    (5937, 5937, 'shopping'), (5940, 5950, 'shopping'), (5960, 5960, 'insurance'), (5962, 5969, 'shopping'),
    (5970, 5973, 'shopping'), (5977, 5978, 'shopping'), (5992, 5993, 'shopping'), (5996, 5999, 'shopping'),
    (5200, 5200, 'home'), (5211, 5211, 'home'), (5231, 5231, 'home'), (5251, 5251, 'home'), (5261, 5261, 'home'),
    (5712, 5714, 'home'), (5718, 5719, 'home'), (5722, 5722, 'home'), (7210, 7217, 'home'),
    (5511, 5511, 'auto'), (5521, 5521, 'auto'), (5531, 5533, 'auto'), (7531, 7531, 'auto'), (7534, 7535, 'auto'),
    (7538, 7538, 'auto'), (7542, 7542, 'auto'), (7549, 7549, 'auto'),
    (5735, 5735, 'entertainment'), (5994, 5994, 'entertainment'), (7832, 7832, 'entertainment'),
    (7841, 7841, 'entertainment'), (7911, 7911, 'entertainment'), (7922, 7922, 'entertainment'),
    (7929, 7929, 'entertainment'), (7932, 7933, 'entertainment'), (7941, 7941, 'entertainment'),
    (7991, 7999, 'entertainment'),
    (7230, 7230, 'personal care'), (7297, 7298, 'personal care'),
    (742, 742, 'pets'), (5995, 5995, 'pets'),
    (8211, 8211, 'education'), (8220, 8220, 'education'), (8241, 8241, 'education'), (8244, 8244, 'education'),
    (8249, 8249, 'education'), (8299, 8299, 'education'), (8351, 8351, 'education'),
    (8398, 8398, 'charity'), (8661, 8661, 'charity'),
    (6300, 6300, 'insurance'),
    (6010, 6011, 'cash'),
    (6012, 6012, 'fees & financial'), (6051, 6051, 'fees & financial'), (6211, 6211, 'fees & financial'),
    (6540, 6540, 'fees & financial'),
    (9211, 9211, 'government & taxes'), (9222, 9223, 'government & taxes'), (9311, 9311, 'government & taxes'),
    (9399, 9399, 'government & taxes'), (9402, 9402, 'government & taxes')
  ) AS r(first_code, last_code, category)
  CROSS JOIN LATERAL generate_series(r.first_code, r.last_code) AS code
ON CONFLICT (merchant_category_code) DO UPDATE SET category = excluded.category;
--> statement-breakpoint
CREATE VIEW analytics.transactions_categorized AS
SELECT t.connection_id, t.account_id, t.transaction_id, t.status, t.transaction_date, t.posting_date,
       t.amount, t.currency_code, t.description, t.merchant_name, t.merchant_category_code,
       t.transaction_type, t.foreign_amount, t.foreign_currency_code, t.first_seen_at, t.updated_at,
       coalesce(
         mo.category,
         co.category,
         mc.category,
         -- Rows without a merchant category code (transfers, payroll, bank fees) are told apart by type.
         CASE upper(t.transaction_type)
           WHEN 'PAYMENT' THEN 'payments & transfers'
           WHEN 'TRANSFER' THEN 'payments & transfers'
           WHEN 'CHECK' THEN 'payments & transfers'
           WHEN 'DEPOSIT' THEN 'income'
           WHEN 'INTEREST' THEN 'interest'
           WHEN 'FEE' THEN 'fees & financial'
           WHEN 'WITHDRAWAL' THEN 'cash'
           WHEN 'CASH_ADVANCE' THEN 'cash'
           WHEN 'CREDIT' THEN 'refunds'
         END,
         'uncategorized'
       ) AS category
  FROM analytics.transactions t
  LEFT JOIN citi_sync.merchant_category_overrides mo ON mo.merchant_name = coalesce(t.merchant_name, t.description)
  LEFT JOIN citi_sync.category_overrides co ON co.merchant_category_code = t.merchant_category_code
  LEFT JOIN citi_sync.mcc_categories mc ON mc.merchant_category_code = t.merchant_category_code;
--> statement-breakpoint
COMMENT ON VIEW analytics.transactions_categorized IS 'analytics.transactions with a category: a merchant override (citi_sync.merchant_category_overrides), else an MCC override (citi_sync.category_overrides), else the MCC''s default (citi_sync.mcc_categories), else one derived from transaction_type, else uncategorized.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.connection_id IS 'The connection the transaction was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.account_id IS 'The account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.transaction_id IS 'Citi''s transaction id, or a stable id derived from the row''s content when Citi sent none. A pending transaction gets a new id when it posts.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.status IS 'pending or posted.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.transaction_date IS 'The day of the transaction (a calendar date, no time zone).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.posting_date IS 'The day it posted; null while pending.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.amount IS 'Signed and exact, in currency_code: negative = money leaving the customer (a debit or a card charge), positive = money arriving (a credit, a card payment or refund).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.currency_code IS 'ISO 4217 currency of amount.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.description IS 'The bank''s description of the transaction.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.merchant_name IS 'The merchant, when Citi names one.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.merchant_category_code IS 'ISO 18245 merchant category code (MCC), when known.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.transaction_type IS 'Citi''s type, e.g. PURCHASE, PAYMENT, FEE, INTEREST.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.foreign_amount IS 'The amount in the foreign currency, for foreign transactions.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.foreign_currency_code IS 'ISO 4217 currency of foreign_amount.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.first_seen_at IS 'When citi-sync first stored the transaction.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.updated_at IS 'When citi-sync last stored a change to it (not when it was last fetched).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.transactions_categorized.category IS 'Spending category, e.g. groceries, restaurants, travel, payments & transfers, income; uncategorized when no rule applies. Change it with citi_sync.merchant_category_overrides or citi_sync.category_overrides.';
--> statement-breakpoint
-- Days are calendar days in the session's TimeZone (current_date, as_of::date): a balance observed at
-- 23:30 in New York belongs to that day for a New York session.
CREATE VIEW analytics.daily_balances AS
SELECT a.connection_id, a.account_id, a.currency_code, span.first_day + d.n AS day, b.current_balance, b.available_balance
  FROM citi_sync.accounts a
  CROSS JOIN LATERAL (
    SELECT min(bh.as_of)::date AS first_day,
           -- Normally today; a balance stamped later than today (a clock ahead) still gets its day.
           greatest(current_date, max(bh.as_of)::date) AS last_day
      FROM citi_sync.balance_history bh
     WHERE bh.connection_id = a.connection_id AND bh.account_id = a.account_id
  ) span
  CROSS JOIN LATERAL generate_series(0, span.last_day - span.first_day) AS d(n)
  CROSS JOIN LATERAL (
    -- The last observation up to the end of the day: the primary key (connection_id, account_id,
    -- as_of) makes this one backward index probe per day.
    SELECT bh.current_balance, bh.available_balance
      FROM citi_sync.balance_history bh
     WHERE bh.connection_id = a.connection_id AND bh.account_id = a.account_id
       AND bh.as_of < (span.first_day + d.n + 1)::timestamptz
     ORDER BY bh.as_of DESC
     LIMIT 1
  ) b
 WHERE span.first_day IS NOT NULL;
--> statement-breakpoint
COMMENT ON VIEW analytics.daily_balances IS 'One row per account per calendar day, from the day of its first recorded balance to today: the last balance observed by the end of that day, carried forward over days without a sync.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.connection_id IS 'The connection the account was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.account_id IS 'The account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.currency_code IS 'ISO 4217 currency of the balances.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.day IS 'The calendar day (in the session''s time zone).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.current_balance IS 'The current balance at the end of day, exact, in currency_code (carried forward from the last observation on or before day).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.daily_balances.available_balance IS 'The available balance (credit cards: available credit) at the end of day, exact; null when Citi reports none (loans).';
--> statement-breakpoint
CREATE VIEW analytics.monthly_cashflow AS
SELECT t.connection_id, t.account_id, t.currency_code,
       date_trunc('month', t.transaction_date::timestamp)::date AS month,
       t.category,
       coalesce(sum(t.amount) FILTER (WHERE t.amount > 0), 0) AS money_in,
       coalesce(-sum(t.amount) FILTER (WHERE t.amount < 0), 0) AS money_out,
       sum(t.amount) AS net,
       count(*)::integer AS transactions
  FROM analytics.transactions_categorized t
 GROUP BY t.connection_id, t.account_id, t.currency_code, date_trunc('month', t.transaction_date::timestamp)::date, t.category;
--> statement-breakpoint
COMMENT ON VIEW analytics.monthly_cashflow IS 'Money in and out per account, calendar month, category and currency, pending and posted transactions alike. Currencies are never summed together: currency_code is part of every row.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.connection_id IS 'The connection the account was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.account_id IS 'The account (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.currency_code IS 'ISO 4217 currency of every amount in the row.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.month IS 'The first day of the calendar month of transaction_date.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.category IS 'The category, as in analytics.transactions_categorized.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.money_in IS 'The sum of positive amounts (money arriving), exact; 0 when none.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.money_out IS 'The sum of negative amounts as a positive number (money leaving), exact; 0 when none.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.net IS 'money_in - money_out: the signed sum of the amounts.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.monthly_cashflow.transactions IS 'The number of transactions summed.';
--> statement-breakpoint
-- Likely subscriptions and other regular bills: money leaving one account to one merchant (its name,
-- else the description) in one currency. Amounts within 10% of the typical (median) amount form the
-- series; the gaps between consecutive ones must be regular: at least 3/4 of them within ±3 days of a
-- week (4-10), a month (25-34: 28-31 days ±3) or a year (362-369).
CREATE VIEW analytics.recurring AS
WITH charges AS (
  SELECT t.connection_id, t.account_id, t.currency_code, coalesce(t.merchant_name, t.description) AS merchant_name,
         t.category, t.transaction_date, t.amount
    FROM analytics.transactions_categorized t
   WHERE t.amount < 0 AND coalesce(t.merchant_name, t.description) IS NOT NULL
), typical AS (
  SELECT c.connection_id, c.account_id, c.currency_code, c.merchant_name,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY c.amount) AS amount
    FROM charges c
   GROUP BY c.connection_id, c.account_id, c.currency_code, c.merchant_name
), series AS (
  SELECT c.*,
         c.transaction_date - lag(c.transaction_date) OVER (
           PARTITION BY c.connection_id, c.account_id, c.currency_code, c.merchant_name ORDER BY c.transaction_date
         ) AS gap
    FROM charges c
    JOIN typical ty ON ty.connection_id = c.connection_id AND ty.account_id = c.account_id
                   AND ty.currency_code = c.currency_code AND ty.merchant_name = c.merchant_name
   WHERE abs(c.amount - ty.amount) <= 0.1 * abs(ty.amount)
), summary AS (
  SELECT s.connection_id, s.account_id, s.currency_code, s.merchant_name,
         mode() WITHIN GROUP (ORDER BY s.category) AS category,
         count(*)::integer AS occurrences,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY s.amount) AS typical_amount,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY s.gap) AS interval_days,
         min(s.transaction_date) AS first_seen,
         max(s.transaction_date) AS last_seen,
         count(s.gap) AS gaps,
         count(*) FILTER (WHERE s.gap BETWEEN 4 AND 10) AS weekly_gaps,
         count(*) FILTER (WHERE s.gap BETWEEN 25 AND 34) AS monthly_gaps,
         count(*) FILTER (WHERE s.gap BETWEEN 362 AND 369) AS yearly_gaps
    FROM series s
   GROUP BY s.connection_id, s.account_id, s.currency_code, s.merchant_name
)
SELECT m.connection_id, m.account_id, m.currency_code, m.merchant_name, m.category, m.occurrences,
       m.typical_amount, m.interval_days, m.first_seen, m.last_seen,
       (m.last_seen + CASE
          WHEN m.weekly_gaps * 4 >= m.gaps * 3 THEN interval '7 days'
          WHEN m.monthly_gaps * 4 >= m.gaps * 3 THEN interval '1 month'
          ELSE interval '1 year'
        END)::date AS next_expected
  FROM summary m
 WHERE m.occurrences >= 3
   AND (m.weekly_gaps * 4 >= m.gaps * 3 OR m.monthly_gaps * 4 >= m.gaps * 3 OR m.yearly_gaps * 4 >= m.gaps * 3);
--> statement-breakpoint
COMMENT ON VIEW analytics.recurring IS 'Likely subscriptions and regular bills: at least 3 payments from one account to one merchant in one currency, amounts within 10% of the typical one, at weekly, monthly or yearly intervals (±3 days). Filter on next_expected to keep only the ones still running.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.connection_id IS 'The connection the account was fetched through.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.account_id IS 'The account charged (see analytics.accounts).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.currency_code IS 'ISO 4217 currency of typical_amount.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.merchant_name IS 'The merchant, or the transaction description when Citi names no merchant.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.category IS 'The most frequent category of the payments (see analytics.transactions_categorized).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.occurrences IS 'How many payments form the series.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.typical_amount IS 'The median payment, signed (negative: money out), exact, in currency_code.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.interval_days IS 'The median number of days between consecutive payments (about 7, 30 or 365).';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.first_seen IS 'The day of the first payment of the series.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.last_seen IS 'The day of the latest payment of the series.';
--> statement-breakpoint
COMMENT ON COLUMN analytics.recurring.next_expected IS 'last_seen plus a week, a calendar month or a year: when the next payment is due if it keeps going.';
--> statement-breakpoint
-- 0001 granted SELECT on future views by default privileges, but only for views created by the role
-- that ran 0001: grant explicitly, guarded the same way (no role on PGlite, or no right to grant).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'citi_sync_reader') THEN
    GRANT SELECT ON analytics.transactions_categorized, analytics.daily_balances, analytics.monthly_cashflow,
      analytics.recurring TO citi_sync_reader;
  END IF;
EXCEPTION
  WHEN insufficient_privilege OR feature_not_supported OR undefined_object THEN
    RAISE WARNING 'citi-sync: SELECT on the analyst views was not granted to citi_sync_reader (%); grant it by hand', SQLERRM;
END
$$;
