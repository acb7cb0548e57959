CREATE TABLE "customer_limit_overrides" (
	"user_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"limit" bigint,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_limit_overrides_user_id_meter_pk" PRIMARY KEY("user_id","meter")
);
--> statement-breakpoint
DROP INDEX "invoices_provider_created_idx";--> statement-breakpoint
DROP INDEX "invoices_status_idx";--> statement-breakpoint
DROP INDEX "webhook_events_status_idx";--> statement-breakpoint
DROP INDEX "webhook_events_type_idx";--> statement-breakpoint
DROP INDEX "webhook_events_received_at_idx";--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "amount_refunded" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" ADD CONSTRAINT "customer_limit_overrides_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" ADD CONSTRAINT "customer_limit_overrides_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_limit_overrides_updated_by_idx" ON "customer_limit_overrides" USING btree ("updated_by");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id","id");--> statement-breakpoint
CREATE INDEX "notifications_status_created_idx" ON "notifications" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "users_created_at_id_idx" ON "users" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "users_email_prefix_idx" ON "users" USING btree ("email" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "webhook_events_object_id_idx" ON "webhook_events" USING btree ("object_id");--> statement-breakpoint
CREATE INDEX "invoices_provider_created_idx" ON "invoices" USING btree ("provider_created_at","id");--> statement-breakpoint
CREATE INDEX "invoices_status_idx" ON "invoices" USING btree ("status","provider_created_at","id");--> statement-breakpoint
CREATE INDEX "webhook_events_status_idx" ON "webhook_events" USING btree ("status","received_at","id");--> statement-breakpoint
CREATE INDEX "webhook_events_type_idx" ON "webhook_events" USING btree ("type","received_at","id");--> statement-breakpoint
CREATE INDEX "webhook_events_received_at_idx" ON "webhook_events" USING btree ("received_at","id");