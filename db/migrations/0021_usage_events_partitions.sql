-- usage_events becomes partitioned by month of created_at (lib/billing/metering/storage.ts keeps
-- partitions created ahead, rolls old days up into usage_daily and drops raw events past the
-- retention). A unique index on a partitioned table must include the partition key, so idempotency
-- keys move to usage_event_keys (not partitioned): one row per keyed event, written by a trigger
-- in the same statement as the event, whose primary key keeps a key counted once across months.
CREATE TABLE "usage_event_keys" (
	"account_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"event_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"quantity" bigint NOT NULL,
	"used_after" bigint,
	"limit_at" bigint,
	"period_end" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_event_keys_pkey" PRIMARY KEY("account_id","idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "usage_event_keys" ADD CONSTRAINT "usage_event_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_event_keys_created_idx" ON "usage_event_keys" USING btree ("created_at");--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"account_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"day" date NOT NULL,
	"quantity" bigint NOT NULL,
	"events" bigint NOT NULL,
	CONSTRAINT "usage_daily_account_id_meter_day_pk" PRIMARY KEY("account_id","meter","day")
);
--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "usage_rollup_state" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"rolled_up_until" timestamp with time zone,
	"maintained_at" timestamp with time zone,
	CONSTRAINT "usage_rollup_state_single_row" CHECK ("usage_rollup_state"."id")
);
--> statement-breakpoint
INSERT INTO "usage_rollup_state" ("id") VALUES (true);--> statement-breakpoint
-- The same columns (whatever earlier migrations added), partitioned; filled, then swapped in.
CREATE TABLE "usage_events_partitioned" (LIKE "usage_events" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("created_at");--> statement-breakpoint
CREATE TABLE "usage_events_default" PARTITION OF "usage_events_partitioned" DEFAULT;--> statement-breakpoint
-- One partition per UTC month that has events, through two months ahead (the job keeps that lead).
DO $$
DECLARE
  m timestamp;
BEGIN
  FOR m IN
    SELECT generate_series(
      date_trunc('month', coalesce((SELECT min("created_at") FROM "usage_events"), now()) AT TIME ZONE 'UTC'),
      date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months',
      interval '1 month')
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "usage_events_partitioned" FOR VALUES FROM (%L) TO (%L)',
      'usage_events_' || to_char(m, 'YYYY_MM'),
      to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "usage_events_partitioned" SELECT * FROM "usage_events";--> statement-breakpoint
INSERT INTO "usage_event_keys" ("account_id", "idempotency_key", "event_id", "meter", "quantity", "used_after", "limit_at", "period_end", "created_at")
SELECT "account_id", "idempotency_key", "id", "meter", "quantity", "used_after", "limit_at", "period_end", "created_at"
FROM "usage_events" WHERE "idempotency_key" IS NOT NULL;--> statement-breakpoint
DROP TABLE "usage_events";--> statement-breakpoint
ALTER TABLE "usage_events_partitioned" RENAME TO "usage_events";--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_pkey" PRIMARY KEY("id","created_at");--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_events_meter_account_created_idx" ON "usage_events" USING btree ("meter","account_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_events_api_key_id_idx" ON "usage_events" USING btree ("api_key_id");--> statement-breakpoint
CREATE INDEX "usage_events_billable_unreported_idx" ON "usage_events" USING btree ("created_at") WHERE "usage_events"."reported_at" is null and "usage_events"."billable_quantity" > 0;--> statement-breakpoint
CREATE INDEX "usage_events_created_brin" ON "usage_events" USING brin ("created_at");--> statement-breakpoint
CREATE FUNCTION "usage_event_key"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."idempotency_key" IS NOT NULL THEN
    INSERT INTO "usage_event_keys" ("account_id", "idempotency_key", "event_id", "meter", "quantity", "used_after", "limit_at", "period_end", "created_at")
    VALUES (NEW."account_id", NEW."idempotency_key", NEW."id", NEW."meter", NEW."quantity", NEW."used_after", NEW."limit_at", NEW."period_end", NEW."created_at");
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "usage_events_key" BEFORE INSERT ON "usage_events" FOR EACH ROW EXECUTE FUNCTION "usage_event_key"();
