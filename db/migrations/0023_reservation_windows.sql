-- A reservation holds its units in the UTC day and hour it was made in (usage_counters.day_used, hour_used)
-- until it is settled; these say which, so finalize, release and expiry give them back to that window only.
ALTER TABLE "usage_reservations" ADD COLUMN "day_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "usage_reservations" ADD COLUMN "hour_start" timestamp with time zone;