CREATE TABLE "trial_uses" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"provider_customer_id" text NOT NULL,
	"plan_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trial_uses" ADD CONSTRAINT "trial_uses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "trial_uses_provider_customer_key" ON "trial_uses" USING btree ("provider_customer_id");