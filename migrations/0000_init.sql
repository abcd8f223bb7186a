CREATE SCHEMA "citi_sync";
--> statement-breakpoint
CREATE TABLE "citi_sync"."accounts" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"account_group" text,
	"account_type" text,
	"product_name" text,
	"product_code" text,
	"nickname" text,
	"display_account_number" text,
	"currency_code" text,
	"status" text,
	"classification" text,
	"current_balance" numeric,
	"available_balance" numeric,
	"credit_limit" numeric,
	"raw" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_connection_id_account_id_pk" PRIMARY KEY("connection_id","account_id"),
	CONSTRAINT "accounts_currency_code_check" CHECK (currency_code ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."balance_history" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"current_balance" numeric,
	"available_balance" numeric,
	CONSTRAINT "balance_history_connection_id_account_id_as_of_pk" PRIMARY KEY("connection_id","account_id","as_of")
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."category_overrides" (
	"merchant_category_code" text PRIMARY KEY NOT NULL,
	"category" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."connections" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"access_token_enc" text,
	"access_token_expires_at" timestamp with time zone,
	"refresh_token_enc" text,
	"refresh_token_expires_at" timestamp with time zone,
	"scopes" text,
	"last_refreshed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connections_status_check" CHECK (status in ('active', 'needs_reauth', 'revoked')),
	CONSTRAINT "connections_id_check" CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."mcc_categories" (
	"merchant_category_code" text PRIMARY KEY NOT NULL,
	"category" text
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."statements" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"statement_id" text NOT NULL,
	"statement_date" date,
	"beginning_balance" numeric,
	"ending_balance" numeric,
	"total_debits" numeric,
	"total_credits" numeric,
	"minimum_due" numeric,
	"credit_limit" numeric,
	"past_due" numeric,
	"payment_due_date" date,
	"raw" jsonb,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "statements_connection_id_account_id_statement_id_pk" PRIMARY KEY("connection_id","account_id","statement_id")
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"parent_id" uuid,
	"connection_id" text NOT NULL,
	"account_id" text,
	"trigger" text NOT NULL,
	"job_id" text,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"requests" integer DEFAULT 0 NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"rows_inserted" integer DEFAULT 0 NOT NULL,
	"rows_updated" integer DEFAULT 0 NOT NULL,
	"rows_unchanged" integer DEFAULT 0 NOT NULL,
	"rows_removed" integer DEFAULT 0 NOT NULL,
	"rows_restored" integer DEFAULT 0 NOT NULL,
	"error" text,
	"error_page" text,
	CONSTRAINT "sync_runs_trigger_check" CHECK ("trigger" in ('cli', 'demo', 'schedule', 'manual', 'worker')),
	CONSTRAINT "sync_runs_status_check" CHECK (status in ('running', 'succeeded', 'failed', 'partial', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."sync_state" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"watermark" date,
	"last_window_from" date,
	"last_window_to" date,
	"last_completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_state_connection_id_account_id_pk" PRIMARY KEY("connection_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."sync_windows" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"window_from" date NOT NULL,
	"window_to" date NOT NULL,
	"cursor" text,
	"pages" integer DEFAULT 0 NOT NULL,
	"seen_pending" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"key_state" jsonb,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_windows_connection_id_account_id_window_from_window_to_pk" PRIMARY KEY("connection_id","account_id","window_from","window_to")
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."transactions" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"id_synthetic" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"status_raw" text,
	"transaction_date" date NOT NULL,
	"posting_date" date,
	"amount" numeric NOT NULL,
	"currency_code" text NOT NULL,
	"description" text,
	"description_extension" text,
	"merchant_name" text,
	"merchant_category_code" text,
	"transaction_type" text,
	"debit_credit_memo" text,
	"check_number" text,
	"foreign_amount" numeric,
	"foreign_currency_code" text,
	"foreign_exchange_rate" numeric,
	"authorization_code" text,
	"replaces_transaction_id" text,
	"raw" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "transactions_connection_id_account_id_transaction_id_pk" PRIMARY KEY("connection_id","account_id","transaction_id"),
	CONSTRAINT "transactions_status_check" CHECK (status in ('pending', 'posted'))
);
--> statement-breakpoint
ALTER TABLE "citi_sync"."accounts" ADD CONSTRAINT "accounts_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "citi_sync"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD CONSTRAINT "balance_history_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."statements" ADD CONSTRAINT "statements_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."sync_runs" ADD CONSTRAINT "sync_runs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "citi_sync"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."sync_runs" ADD CONSTRAINT "sync_runs_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "citi_sync"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."sync_state" ADD CONSTRAINT "sync_state_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."sync_windows" ADD CONSTRAINT "sync_windows_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."transactions" ADD CONSTRAINT "transactions_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_runs_connection_started_idx" ON "citi_sync"."sync_runs" USING btree ("connection_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "transactions_account_date_idx" ON "citi_sync"."transactions" USING btree ("connection_id","account_id","transaction_date");--> statement-breakpoint
CREATE INDEX "transactions_pending_idx" ON "citi_sync"."transactions" USING btree ("connection_id","account_id","transaction_date") WHERE status = 'pending' and removed_at is null;--> statement-breakpoint
CREATE INDEX "transactions_authorization_code_idx" ON "citi_sync"."transactions" USING btree ("connection_id","account_id","authorization_code") WHERE authorization_code is not null;