CREATE TABLE "subscription_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"subscription_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "note" text;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subscription_changes_user_idx" ON "subscription_changes" USING btree ("user_id","occurred_at","id");--> statement-breakpoint
-- hand-written: an ignored event's reason moves out of last_error; every existing subscription
-- starts its history with one "started" row describing the state we hold now.
UPDATE "webhook_events" SET "note" = "last_error", "last_error" = NULL WHERE "status" = 'ignored';--> statement-breakpoint
INSERT INTO "subscription_changes" ("user_id", "subscription_id", "kind", "data", "occurred_at")
SELECT "user_id", "id", 'started',
  jsonb_build_object('provider', "provider", 'providerSubscriptionId', "provider_subscription_id", 'planId', "plan_id", 'interval', "interval", 'status', "status", 'backfilled', true),
  "created_at"
FROM "subscriptions";
