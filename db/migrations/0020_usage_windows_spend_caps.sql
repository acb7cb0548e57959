ALTER TABLE "usage_counters" ADD COLUMN "day_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "usage_counters" ADD COLUMN "day_used" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_counters" ADD COLUMN "hour_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "usage_counters" ADD COLUMN "hour_used" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TABLE "spend_caps" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"cap_cents" bigint NOT NULL,
	"currency" text DEFAULT 'usd' NOT NULL,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spend_caps_cap_cents_check" CHECK ("spend_caps"."cap_cents" >= 0)
);
--> statement-breakpoint
ALTER TABLE "spend_caps" ADD CONSTRAINT "spend_caps_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_caps" ADD CONSTRAINT "spend_caps_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
