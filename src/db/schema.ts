/**
 * The private tables of citi-sync, in schema `citi_sync`. Analysts read the `analytics` views
 * (migrations/*_analytics_views.sql), never these tables: their columns may change between versions.
 *
 * Conventions: money is `numeric` without precision, so every currency's minor units (JPY 0, USD 2,
 * BHD 3) are kept exactly; calendar days are `date` read as 'YYYY-MM-DD' strings; instants are
 * `timestamptz`. After editing this file run `npm run db:generate` and commit the new migration.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { CONNECTION_STATUSES, SYNC_RUN_STATUSES, SYNC_TRIGGERS, TRANSACTION_STATUSES } from './statuses.ts';

export const citiSync = pgSchema('citi_sync');

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const day = (name: string) => date(name, { mode: 'string' });
const createdAt = () => instant('created_at').notNull().defaultNow();
const updatedAt = () => instant('updated_at').notNull().defaultNow();

// The status vocabularies live in statuses.ts (no drizzle, so run-time code can load them cheaply).
export { CONNECTION_STATUSES, SYNC_RUN_STATUSES, SYNC_TRIGGERS, TRANSACTION_STATUSES };
export type { ConnectionStatus, SyncRunStatus, SyncTrigger, TransactionStatus } from './statuses.ts';

// Check and index predicates name columns unqualified: drizzle-kit would otherwise write
// "citi_sync"."table"."column" into the DDL, which is noisy to read in \d output.
const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/** One user's consent (OAuth grant). Tokens are stored only encrypted (src/auth/crypto.ts). */
export const connections = citiSync.table(
  'connections',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    /** The interval of `citi-sync schedule` (30s, 15m, a cron…); kept here so workers can restore it into Redis. */
    schedule: text('schedule'),
    accessTokenEnc: text('access_token_enc'),
    accessTokenExpiresAt: instant('access_token_expires_at'),
    refreshTokenEnc: text('refresh_token_enc'),
    refreshTokenExpiresAt: instant('refresh_token_expires_at'),
    scopes: text('scopes'),
    /** The customer's market (ISO 3166 alpha-2): selects the API dialect its syncs speak (contract §0). */
    country: text('country').notNull().default('US'),
    lastRefreshedAt: instant('last_refreshed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  () => [
    check('connections_status_check', sql`status in (${inList(CONNECTION_STATUSES)})`),
    // Ids end up in job ids, log lines and file names: keep them plain (BullMQ forbids ':' in job ids).
    check('connections_id_check', sql`id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'`),
    check('connections_country_check', sql`country ~ '^[A-Z]{2}$'`),
  ],
);

export const accounts = citiSync.table(
  'accounts',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    accountId: text('account_id').notNull(),
    accountGroup: text('account_group'),
    accountType: text('account_type'),
    productName: text('product_name'),
    productCode: text('product_code'),
    nickname: text('nickname'),
    displayAccountNumber: text('display_account_number'),
    currencyCode: text('currency_code'),
    status: text('status'),
    classification: text('classification'),
    currentBalance: numeric('current_balance'),
    availableBalance: numeric('available_balance'),
    creditLimit: numeric('credit_limit'),
    /** ASSET or LIABILITY for the customer (US `balanceType`, Asia-Pacific `accountClassification`). */
    balanceType: text('balance_type'),
    raw: jsonb('raw').notNull(),
    /**
     * When Citi last answered 404 for this card's statements (the market or the card does not offer
     * them): the sync skips asking until the mark is a month old, and warns only when it is first set.
     */
    statementsNotOfferedAt: instant('statements_not_offered_at'),
    firstSeenAt: instant('first_seen_at').notNull().defaultNow(),
    /** The day's first listing that showed the account: refreshed once per UTC day, so an unchanged re-sync writes nothing. */
    lastSeenAt: instant('last_seen_at').notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.accountId] }),
    check('accounts_currency_code_check', sql`currency_code ~ '^[A-Z]{3}$'`),
  ],
);

/** Every child of an account goes with it (a purge deletes the connection and cascades). */
type FkColumn = Parameters<typeof foreignKey>[0]['columns'][number];
const accountFk = (t: { connectionId: FkColumn; accountId: FkColumn }, name: string) =>
  foreignKey({ name, columns: [t.connectionId, t.accountId], foreignColumns: [accounts.connectionId, accounts.accountId] }).onDelete('cascade');

export const balanceHistory = citiSync.table(
  'balance_history',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    asOf: instant('as_of').notNull(),
    currentBalance: numeric('current_balance'),
    availableBalance: numeric('available_balance'),
    /** ASSET or LIABILITY at as_of (analytics.net_worth reads it). */
    balanceType: text('balance_type'),
    /** The account's currency, else the one currency all its holdings share; null when unknown. */
    currencyCode: text('currency_code'),
    /** Asia-Pacific cards and loans: the amount owed. */
    outstandingBalance: numeric('outstanding_balance'),
    availableCredit: numeric('available_credit'),
    creditLimit: numeric('credit_limit'),
    /** Cards' minimum due, loans' payment due. */
    minimumDue: numeric('minimum_due'),
    paymentDueDate: day('payment_due_date'),
    lastStatementBalance: numeric('last_statement_balance'),
    /** US loans and lines of credit: the principal owed. */
    principalBalance: numeric('principal_balance'),
    /** Brokerage and retirement accounts: the whole account's value. */
    portfolioValue: numeric('portfolio_value'),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.accountId, t.asOf] }), accountFk(t, 'balance_history_account_fk')],
);

/**
 * One row per account and day on which its holdings (brokerage) or plan components (retirement)
 * differed from the last snapshot; `holdings` counts them, so a snapshot with none (everything sold)
 * is recorded too. The snapshot stands until the account's next one.
 */
export const holdingSnapshots = citiSync.table(
  'holding_snapshots',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    /** The UTC day of the sync that observed it. */
    asOfDate: day('as_of_date').notNull(),
    holdings: integer('holdings').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.accountId, t.asOfDate] }), accountFk(t, 'holding_snapshots_account_fk')],
);

export const HOLDING_KINDS = ['holding', 'plan-component'] as const;

/** The holdings of one snapshot (see holding_snapshots). */
export const holdings = citiSync.table(
  'holdings',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    asOfDate: day('as_of_date').notNull(),
    /** Stable within the account: the symbol, else the CUSIP, else the component name, else a content hash. */
    holdingKey: text('holding_key').notNull(),
    kind: text('kind').notNull(),
    symbol: text('symbol'),
    cusip: text('cusip'),
    name: text('name'),
    quantity: numeric('quantity'),
    price: numeric('price'),
    value: numeric('value'),
    currencyCode: text('currency_code'),
    /** The day Citi says price and value are as of (`asOfDateTime`), when it said. */
    valuedAsOf: day('valued_as_of'),
    /** Every field Citi sent for the holding. */
    raw: jsonb('raw').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.accountId, t.asOfDate, t.holdingKey] }),
    foreignKey({
      name: 'holdings_snapshot_fk',
      columns: [t.connectionId, t.accountId, t.asOfDate],
      foreignColumns: [holdingSnapshots.connectionId, holdingSnapshots.accountId, holdingSnapshots.asOfDate],
    }).onDelete('cascade'),
    check('holdings_kind_check', sql`kind in (${inList(HOLDING_KINDS)})`),
  ],
);

export const transactions = citiSync.table(
  'transactions',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    transactionId: text('transaction_id').notNull(),
    /** The id was derived from the row's content (Citi sent none). */
    idSynthetic: boolean('id_synthetic').notNull().default(false),
    status: text('status').notNull(),
    statusRaw: text('status_raw'),
    transactionDate: day('transaction_date').notNull(),
    postingDate: day('posting_date'),
    /** Signed: negative = money leaving the customer. */
    amount: numeric('amount').notNull(),
    currencyCode: text('currency_code').notNull(),
    description: text('description'),
    descriptionExtension: text('description_extension'),
    merchantName: text('merchant_name'),
    merchantCategoryCode: text('merchant_category_code'),
    transactionType: text('transaction_type'),
    debitCreditMemo: text('debit_credit_memo'),
    checkNumber: text('check_number'),
    foreignAmount: numeric('foreign_amount'),
    foreignCurrencyCode: text('foreign_currency_code'),
    foreignExchangeRate: numeric('foreign_exchange_rate'),
    authorizationCode: text('authorization_code'),
    /** The pending transaction this posted one replaced, when known. */
    replacesTransactionId: text('replaces_transaction_id'),
    raw: jsonb('raw').notNull(),
    firstSeenAt: instant('first_seen_at').notNull().defaultNow(),
    /** The last real change. No column is touched by every sync: unchanged rows are not rewritten. */
    updatedAt: updatedAt(),
    removedAt: instant('removed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.accountId, t.transactionId] }),
    // No foreign key to accounts here, on purpose: its per-row check cost a third of every insert on
    // the hottest table (BENCHMARKS.md), and the only writer, the engine, stores an account before
    // any of its transactions. Purge deletes transactions explicitly (src/db/connections.ts).
    check('transactions_status_check', sql`status in (${inList(TRANSACTION_STATUSES)})`),
    index('transactions_account_date_idx').on(t.connectionId, t.accountId, t.transactionDate),
    index('transactions_pending_idx')
      .on(t.connectionId, t.accountId, t.transactionDate)
      .where(sql`status = 'pending' and removed_at is null`),
    index('transactions_authorization_code_idx')
      .on(t.connectionId, t.accountId, t.authorizationCode)
      .where(sql`authorization_code is not null`),
    // The batch merge counts restored rows among the removed ones of the account: without this index
    // that count read every row of the account for every batch (O(rows²) per backfilled account).
    // Rows are removed rarely, so the index is small and a backfill adds nothing to it.
    index('transactions_removed_idx')
      .on(t.connectionId, t.accountId, t.transactionId)
      .where(sql`removed_at is not null`),
  ],
);

export const statements = citiSync.table(
  'statements',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    statementId: text('statement_id').notNull(),
    statementDate: day('statement_date'),
    beginningBalance: numeric('beginning_balance'),
    endingBalance: numeric('ending_balance'),
    totalDebits: numeric('total_debits'),
    totalCredits: numeric('total_credits'),
    minimumDue: numeric('minimum_due'),
    creditLimit: numeric('credit_limit'),
    pastDue: numeric('past_due'),
    paymentDueDate: day('payment_due_date'),
    raw: jsonb('raw'),
    fetchedAt: instant('fetched_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.accountId, t.statementId] }), accountFk(t, 'statements_account_fk')],
);

export const syncState = citiSync.table(
  'sync_state',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    /** The last date fully synced. */
    watermark: day('watermark'),
    lastWindowFrom: day('last_window_from'),
    lastWindowTo: day('last_window_to'),
    lastCompletedAt: instant('last_completed_at'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.accountId] }), accountFk(t, 'sync_state_account_fk')],
);

/** Crash-safe checkpoints of windows in progress; a row is deleted when its window completes. */
export const syncWindows = citiSync.table(
  'sync_windows',
  {
    connectionId: text('connection_id').notNull(),
    accountId: text('account_id').notNull(),
    windowFrom: day('window_from').notNull(),
    windowTo: day('window_to').notNull(),
    /** The nextStartIndex to resume from; null = the first page. */
    cursor: text('cursor'),
    pages: integer('pages').notNull().default(0),
    seenPending: jsonb('seen_pending').notNull().default(sql`'[]'::jsonb`),
    /** Synthetic-key counters, so a resumed window numbers identical rows as the first pass did. */
    keyState: jsonb('key_state'),
    startedAt: instant('started_at').notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.accountId, t.windowFrom, t.windowTo] }),
    accountFk(t, 'sync_windows_account_fk'),
  ],
);

/** One row per sync of a connection, plus one per account pointing at it through parent_id. */
export const syncRuns = citiSync.table(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parentId: uuid('parent_id'),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** Null on the connection-level row. No foreign key: a run is recorded even for an account that fails before it is stored. */
    accountId: text('account_id'),
    trigger: text('trigger').notNull(),
    jobId: text('job_id'),
    status: text('status').notNull().default('running'),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
    requests: integer('requests').notNull().default(0),
    pages: integer('pages').notNull().default(0),
    rowsInserted: integer('rows_inserted').notNull().default(0),
    rowsUpdated: integer('rows_updated').notNull().default(0),
    rowsUnchanged: integer('rows_unchanged').notNull().default(0),
    rowsRemoved: integer('rows_removed').notNull().default(0),
    rowsRestored: integer('rows_restored').notNull().default(0),
    error: text('error'),
    /** The page (nextStartIndex) being fetched when the run failed. */
    errorPage: text('error_page'),
    /**
     * What the run noticed without failing, one line each: an account id Citi listed under several
     * kinds (not merged), entries not synced (insurance), statements not offered.
     */
    warnings: jsonb('warnings').notNull().default(sql`'[]'::jsonb`),
  },
  (t) => [
    foreignKey({ name: 'sync_runs_parent_fk', columns: [t.parentId], foreignColumns: [t.id] }).onDelete('cascade'),
    check('sync_runs_trigger_check', sql`"trigger" in (${inList(SYNC_TRIGGERS)})`),
    check('sync_runs_status_check', sql`status in (${inList(SYNC_RUN_STATUSES)})`),
    index('sync_runs_connection_started_idx').on(t.connectionId, t.startedAt.desc()),
  ],
);

/** Analysts' own category per merchant category code; wins over mcc_categories. */
export const categoryOverrides = citiSync.table('category_overrides', {
  merchantCategoryCode: text('merchant_category_code').primaryKey(),
  category: text('category').notNull(),
});

/** The default category of each ISO 18245 merchant category code (seeded later). */
export const mccCategories = citiSync.table('mcc_categories', {
  merchantCategoryCode: text('merchant_category_code').primaryKey(),
  category: text('category'),
});

/**
 * Analysts' own category per merchant, matched against merchant_name (or, for a transaction without
 * one, its description); wins over every other rule (see analytics.transactions_categorized).
 */
export const merchantCategoryOverrides = citiSync.table('merchant_category_overrides', {
  merchantName: text('merchant_name').primaryKey(),
  category: text('category').notNull(),
});
