ALTER TABLE "citi_sync"."connections" ADD COLUMN "country" text DEFAULT 'US' NOT NULL;--> statement-breakpoint
ALTER TABLE "citi_sync"."sync_runs" ADD COLUMN "warnings" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "citi_sync"."connections" ADD CONSTRAINT "connections_country_check" CHECK (country ~ '^[A-Z]{2}$');