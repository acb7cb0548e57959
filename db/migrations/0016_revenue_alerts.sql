CREATE TABLE "mrr_snapshots" (
	"day" text NOT NULL,
	"currency" text NOT NULL,
	"mrr" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mrr_snapshots_day_currency_pk" PRIMARY KEY("day","currency"),
	CONSTRAINT "mrr_snapshots_day_format" CHECK ("mrr_snapshots"."day" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
);
--> statement-breakpoint
CREATE TABLE "revenue_alert_rules" (
	"rule" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"threshold_bps" integer NOT NULL,
	"window_days" integer NOT NULL,
	"state" text DEFAULT 'armed' NOT NULL,
	"firing_since" timestamp with time zone,
	"last_value_bps" integer,
	"last_evaluated_at" timestamp with time zone,
	"last_note" text,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "revenue_alert_rules_rule" CHECK ("revenue_alert_rules"."rule" in ('mrr_drop', 'failed_payments', 'cancellations')),
	CONSTRAINT "revenue_alert_rules_threshold" CHECK ("revenue_alert_rules"."threshold_bps" between 1 and 10000),
	CONSTRAINT "revenue_alert_rules_window" CHECK ("revenue_alert_rules"."window_days" between 1 and 90),
	CONSTRAINT "revenue_alert_rules_state" CHECK ("revenue_alert_rules"."state" in ('armed', 'firing')),
	CONSTRAINT "revenue_alert_rules_firing_since" CHECK (("revenue_alert_rules"."state" = 'firing') = ("revenue_alert_rules"."firing_since" is not null))
);
--> statement-breakpoint
CREATE TABLE "revenue_alert_schedule" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"next_evaluation_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_evaluated_at" timestamp with time zone,
	CONSTRAINT "revenue_alert_schedule_one_row" CHECK ("revenue_alert_schedule"."id")
);
--> statement-breakpoint
ALTER TABLE "revenue_alert_rules" ADD CONSTRAINT "revenue_alert_rules_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "revenue_alert_rules_updated_by_idx" ON "revenue_alert_rules" USING btree ("updated_by");--> statement-breakpoint
INSERT INTO "revenue_alert_rules" ("rule", "threshold_bps", "window_days") VALUES ('mrr_drop', 1000, 7), ('failed_payments', 1500, 7), ('cancellations', 500, 30) ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "revenue_alert_schedule" ("id") VALUES (true) ON CONFLICT DO NOTHING;
