CREATE TABLE "usage_levels" (
	"account_id" uuid NOT NULL,
	"gauge" text NOT NULL,
	"level" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_levels_account_id_gauge_pk" PRIMARY KEY("account_id","gauge"),
	CONSTRAINT "usage_levels_level_not_negative" CHECK ("usage_levels"."level" >= 0)
);
--> statement-breakpoint
ALTER TABLE "usage_levels" ADD CONSTRAINT "usage_levels_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;