CREATE TABLE "usage_alerts" (
	"account_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"threshold" integer NOT NULL,
	"used" bigint NOT NULL,
	"limit" bigint NOT NULL,
	"dismissed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_alerts_account_id_meter_window_end_threshold_pk" PRIMARY KEY("account_id","meter","window_end","threshold")
);
--> statement-breakpoint
ALTER TABLE "usage_alerts" ADD CONSTRAINT "usage_alerts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_alerts_window_end_idx" ON "usage_alerts" USING btree ("window_end");