-- Accounts: the billing subject becomes an account, a person's own (personal) or an organization's.
-- Every existing user gets a personal account whose id IS the user's id, so every billing row moves
-- over in place by renaming its user_id column to account_id: no value changes, nothing is copied,
-- and every id a client or Stripe's metadata holds (userId) still names the same subject.
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"personal_user_id" uuid,
	"current_mrr" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_kind_check" CHECK ("kind" IN ('personal', 'organization')),
	CONSTRAINT "accounts_personal_user_check" CHECK (("kind" = 'personal') = ("personal_user_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"account_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_account_id_user_id_pk" PRIMARY KEY("account_id","user_id"),
	CONSTRAINT "memberships_role_check" CHECK ("role" IN ('owner', 'admin', 'member'))
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "invitations_role_check" CHECK ("role" IN ('owner', 'admin', 'member'))
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_personal_user_id_users_id_fk" FOREIGN KEY ("personal_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_personal_user_id_key" ON "accounts" USING btree ("personal_user_id");--> statement-breakpoint
CREATE INDEX "accounts_created_at_id_idx" ON "accounts" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "accounts_current_mrr_id_idx" ON "accounts" USING btree ("current_mrr","id");--> statement-breakpoint
CREATE INDEX "memberships_user_id_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "invitations_account_id_idx" ON "invitations" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "invitations_email_idx" ON "invitations" USING btree ("email");--> statement-breakpoint
-- The backfill: one personal account per existing user, with the user's id, and its membership.
INSERT INTO "accounts" ("id", "kind", "name", "personal_user_id", "current_mrr", "created_at", "updated_at")
  SELECT u.id, 'personal', coalesce(nullif(u.name, ''), u.email), u.id, u.current_mrr, u.created_at, u.created_at FROM "users" u;
--> statement-breakpoint
INSERT INTO "memberships" ("account_id", "user_id", "role", "created_at", "updated_at")
  SELECT u.id, u.id, 'owner', u.created_at, u.created_at FROM "users" u;
--> statement-breakpoint
-- Every user created from now on gets the same: whatever creates the user (sign-up, OAuth, the seed,
-- a test, a SQL console), the account exists in the same transaction.
CREATE OR REPLACE FUNCTION "create_personal_account"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounts (id, kind, name, personal_user_id, created_at, updated_at)
    VALUES (NEW.id, 'personal', coalesce(nullif(NEW.name, ''), NEW.email), NEW.id, NEW.created_at, NEW.created_at);
  INSERT INTO memberships (account_id, user_id, role, created_at, updated_at)
    VALUES (NEW.id, NEW.id, 'owner', NEW.created_at, NEW.created_at);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "users_personal_account" AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION create_personal_account();
--> statement-breakpoint
-- A personal account is named after its person.
CREATE OR REPLACE FUNCTION "rename_personal_account"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET name = coalesce(nullif(NEW.name, ''), NEW.email), updated_at = now()
    WHERE personal_user_id = NEW.id AND name IS DISTINCT FROM coalesce(nullif(NEW.name, ''), NEW.email);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "users_personal_account_name" AFTER UPDATE OF name, email ON users FOR EACH ROW EXECUTE FUNCTION rename_personal_account();
--> statement-breakpoint
-- Billing rows: user_id becomes account_id (same values), pointing at accounts.
ALTER TABLE "billing_customers" DROP CONSTRAINT "billing_customers_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "billing_customers" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "billing_customers_user_id_key" RENAME TO "billing_customers_account_id_key";--> statement-breakpoint
ALTER TABLE "billing_customers" ADD CONSTRAINT "billing_customers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_customer_claims" DROP CONSTRAINT "billing_customer_claims_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "billing_customer_claims" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER TABLE "billing_customer_claims" ADD CONSTRAINT "billing_customer_claims_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "subscriptions" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "subscriptions_user_id_idx" RENAME TO "subscriptions_account_id_idx";--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "pending_quantity" integer;--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "invoices" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "invoices_user_id_created_idx" RENAME TO "invoices_account_id_created_idx";--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "usage_events" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "usage_events_user_idempotency_key" RENAME TO "usage_events_account_idempotency_key";--> statement-breakpoint
ALTER INDEX "usage_events_meter_user_created_idx" RENAME TO "usage_events_meter_account_created_idx";--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_reservations" DROP CONSTRAINT "usage_reservations_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "usage_reservations" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER TABLE "usage_reservations" ADD CONSTRAINT "usage_reservations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_counters" DROP CONSTRAINT "usage_counters_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "usage_counters" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER TABLE "usage_counters" RENAME CONSTRAINT "usage_counters_user_id_meter_period_start_pk" TO "usage_counters_account_id_meter_period_start_pk";--> statement-breakpoint
ALTER TABLE "usage_counters" ADD CONSTRAINT "usage_counters_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_changes" DROP CONSTRAINT "subscription_changes_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "subscription_changes" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "subscription_changes_user_idx" RENAME TO "subscription_changes_account_idx";--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "api_keys" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "api_keys_user_id_idx" RENAME TO "api_keys_account_id_idx";--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "created_by" uuid;--> statement-breakpoint
UPDATE "api_keys" SET "created_by" = "account_id";--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "notifications" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER INDEX "notifications_user_id_idx" RENAME TO "notifications_account_id_idx";--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" DROP CONSTRAINT "customer_limit_overrides_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" RENAME COLUMN "user_id" TO "account_id";--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" RENAME CONSTRAINT "customer_limit_overrides_user_id_meter_pk" TO "customer_limit_overrides_account_id_meter_pk";--> statement-breakpoint
ALTER TABLE "customer_limit_overrides" ADD CONSTRAINT "customer_limit_overrides_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Audit entries about a customer now name the account (the same id).
UPDATE "audit_log" SET "target_type" = 'account' WHERE "target_type" = 'user';--> statement-breakpoint
-- MRR moves from users to accounts: the same rule (migration 0006), per account.
DROP TRIGGER "subscriptions_current_mrr_insert_delete" ON subscriptions;--> statement-breakpoint
DROP TRIGGER "subscriptions_current_mrr_update" ON subscriptions;--> statement-breakpoint
DROP FUNCTION "refresh_user_current_mrr"();--> statement-breakpoint
DROP FUNCTION "set_user_current_mrr"(uuid);--> statement-breakpoint
DROP FUNCTION "user_current_mrr"(uuid);--> statement-breakpoint
DROP INDEX "users_current_mrr_id_idx";--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "current_mrr";--> statement-breakpoint
-- An account's MRR: that of its current subscription (live ones first, the highest MRR among them),
-- in minor units per month; active and past-due subscriptions count, trials and ended ones do not.
-- The same rule as the admin customer list (lib/billing/admin/customers.ts).
CREATE OR REPLACE FUNCTION "account_current_mrr"(aid uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT m.mrr FROM (
      SELECT s.status, s.created_at,
        CASE WHEN s.status IN ('active', 'past_due') AND s.unit_amount IS NOT NULL
          THEN round(s.unit_amount::numeric * s.quantity / (CASE WHEN s.interval = 'year' THEN 12 ELSE 1 END))::bigint
          ELSE 0 END AS mrr
      FROM subscriptions s WHERE s.account_id = aid
    ) m
    ORDER BY (m.status IN ('active', 'trialing', 'past_due')) DESC, m.mrr DESC, m.created_at DESC
    LIMIT 1
  ), 0)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "set_account_current_mrr"(aid uuid) RETURNS void LANGUAGE sql AS $$
  UPDATE accounts a SET current_mrr = m.mrr FROM (SELECT account_current_mrr(aid) AS mrr) m
  WHERE a.id = aid AND a.current_mrr IS DISTINCT FROM m.mrr
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "refresh_account_current_mrr"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM set_account_current_mrr(OLD.account_id);
  ELSE
    PERFORM set_account_current_mrr(NEW.account_id);
    IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
      PERFORM set_account_current_mrr(OLD.account_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "subscriptions_current_mrr_insert_delete"
  AFTER INSERT OR DELETE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION refresh_account_current_mrr();
--> statement-breakpoint
CREATE TRIGGER "subscriptions_current_mrr_update"
  AFTER UPDATE ON subscriptions
  FOR EACH ROW WHEN (
    OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.unit_amount IS DISTINCT FROM NEW.unit_amount OR OLD.quantity IS DISTINCT FROM NEW.quantity
    OR OLD.interval IS DISTINCT FROM NEW.interval
  )
  EXECUTE FUNCTION refresh_account_current_mrr();
