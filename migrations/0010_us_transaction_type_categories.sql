-- Custom migration (drizzle-kit generate --custom): analytics.transactions_categorized also knows the
-- transaction types of Citi's US v2 spec (contract §4), not only the Asia-Pacific ones. Card rows say
-- FEES, INTEREST_CHARGES and CASH_ADVANCES; deposit rows DIVIDEND_AND_INTEREST, FEES, FEE_WAIVED and
-- WITHDRAWAL_OR_DEPOSIT; loan rows INTEREST_CHARGED and PURCHASE_CREDIT. Before this they all fell
-- through to 'uncategorized'. Same rules as 0001, 0002 and 0007: CREATE OR REPLACE keeps every column
-- (name, order, type), its comments and its grants, and the dependent views (monthly_cashflow,
-- recurring) follow; every statement stands alone between breakpoints because PGlite runs one at a time.
CREATE OR REPLACE VIEW analytics.transactions_categorized AS
SELECT t.connection_id, t.account_id, t.transaction_id, t.status, t.transaction_date, t.posting_date,
       t.amount, t.currency_code, t.description, t.merchant_name, t.merchant_category_code,
       t.transaction_type, t.foreign_amount, t.foreign_currency_code, t.first_seen_at, t.updated_at,
       coalesce(
         mo.category,
         co.category,
         mc.category,
         -- Rows without a merchant category code (transfers, payroll, bank fees) are told apart by type:
         -- Asia-Pacific names and the US v2 spec's names (cards, deposits, loans) alike. ADJUSTMENT(S),
         -- TRANSACTION_VOID and OTHER say nothing about what the money was for: uncategorized.
         CASE upper(t.transaction_type)
           WHEN 'PAYMENT' THEN 'payments & transfers'
           WHEN 'TRANSFER' THEN 'payments & transfers'
           WHEN 'CHECK' THEN 'payments & transfers'
           WHEN 'DEPOSIT' THEN 'income'
           WHEN 'INTEREST' THEN 'interest'
           WHEN 'INTEREST_CHARGES' THEN 'interest'
           WHEN 'INTEREST_CHARGED' THEN 'interest'
           WHEN 'DIVIDEND_AND_INTEREST' THEN 'interest'
           WHEN 'FEE' THEN 'fees & financial'
           WHEN 'FEES' THEN 'fees & financial'
           -- A waived fee gives a fee back: same category, so the fees net out.
           WHEN 'FEE_WAIVED' THEN 'fees & financial'
           WHEN 'WITHDRAWAL' THEN 'cash'
           WHEN 'WITHDRAWAL_OR_DEPOSIT' THEN 'cash'
           WHEN 'CASH_ADVANCE' THEN 'cash'
           WHEN 'CASH_ADVANCES' THEN 'cash'
           WHEN 'CREDIT' THEN 'refunds'
           WHEN 'PURCHASE_CREDIT' THEN 'refunds'
         END,
         'uncategorized'
       ) AS category
  FROM analytics.transactions t
  LEFT JOIN citi_sync.merchant_category_overrides mo ON mo.merchant_name = coalesce(t.merchant_name, t.description)
  LEFT JOIN citi_sync.category_overrides co ON co.merchant_category_code = t.merchant_category_code
  LEFT JOIN citi_sync.mcc_categories mc ON mc.merchant_category_code = t.merchant_category_code;
--> statement-breakpoint
COMMENT ON VIEW analytics.transactions_categorized IS 'analytics.transactions with a category: a merchant override (citi_sync.merchant_category_overrides), else an MCC override (citi_sync.category_overrides), else the MCC''s default (citi_sync.mcc_categories), else one derived from transaction_type (Asia-Pacific and US v2 type names), else uncategorized.';
--> statement-breakpoint
-- CREATE OR REPLACE keeps the grants; granted again, guarded as in 0002 (no role on PGlite, or no
-- right to grant), so a database whose owner changed still lets analysts read it.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'citi_sync_reader') THEN
    GRANT SELECT ON analytics.transactions_categorized TO citi_sync_reader;
  END IF;
EXCEPTION
  WHEN insufficient_privilege OR feature_not_supported OR undefined_object THEN
    RAISE WARNING 'citi-sync: SELECT on analytics.transactions_categorized was not granted to citi_sync_reader (%); grant it by hand', SQLERRM;
END
$$;
