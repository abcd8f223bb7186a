CREATE TABLE "citi_sync"."holding_snapshots" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"as_of_date" date NOT NULL,
	"holdings" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "holding_snapshots_connection_id_account_id_as_of_date_pk" PRIMARY KEY("connection_id","account_id","as_of_date")
);
--> statement-breakpoint
CREATE TABLE "citi_sync"."holdings" (
	"connection_id" text NOT NULL,
	"account_id" text NOT NULL,
	"as_of_date" date NOT NULL,
	"holding_key" text NOT NULL,
	"kind" text NOT NULL,
	"symbol" text,
	"cusip" text,
	"name" text,
	"quantity" numeric,
	"price" numeric,
	"value" numeric,
	"currency_code" text,
	"valued_as_of" date,
	"raw" jsonb NOT NULL,
	CONSTRAINT "holdings_connection_id_account_id_as_of_date_holding_key_pk" PRIMARY KEY("connection_id","account_id","as_of_date","holding_key"),
	CONSTRAINT "holdings_kind_check" CHECK (kind in ('holding', 'plan-component'))
);
--> statement-breakpoint
ALTER TABLE "citi_sync"."accounts" ADD COLUMN "balance_type" text;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "balance_type" text;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "currency_code" text;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "outstanding_balance" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "available_credit" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "credit_limit" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "minimum_due" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "payment_due_date" date;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "last_statement_balance" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "principal_balance" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."balance_history" ADD COLUMN "portfolio_value" numeric;--> statement-breakpoint
ALTER TABLE "citi_sync"."holding_snapshots" ADD CONSTRAINT "holding_snapshots_account_fk" FOREIGN KEY ("connection_id","account_id") REFERENCES "citi_sync"."accounts"("connection_id","account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "citi_sync"."holdings" ADD CONSTRAINT "holdings_snapshot_fk" FOREIGN KEY ("connection_id","account_id","as_of_date") REFERENCES "citi_sync"."holding_snapshots"("connection_id","account_id","as_of_date") ON DELETE cascade ON UPDATE no action;