DROP INDEX "usage_events_user_meter_period_idx";--> statement-breakpoint
CREATE INDEX "usage_events_meter_user_created_idx" ON "usage_events" USING btree ("meter","user_id","created_at");