ALTER TABLE "citi_sync"."transactions" DROP CONSTRAINT "transactions_account_fk";
