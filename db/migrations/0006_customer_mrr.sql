ALTER TABLE "users" ADD COLUMN "current_mrr" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "users_current_mrr_id_idx" ON "users" USING btree ("current_mrr","id");--> statement-breakpoint
-- A user's MRR: that of their current subscription (live ones first, the highest MRR among them),
-- in minor units per month; active and past-due subscriptions count, trials and ended ones do not.
-- The same rule as the admin customer list (lib/billing/admin/customers.ts).
CREATE OR REPLACE FUNCTION "user_current_mrr"(uid uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT m.mrr FROM (
      SELECT s.status, s.created_at,
        CASE WHEN s.status IN ('active', 'past_due') AND s.unit_amount IS NOT NULL
          THEN round(s.unit_amount::numeric * s.quantity / (CASE WHEN s.interval = 'year' THEN 12 ELSE 1 END))::bigint
          ELSE 0 END AS mrr
      FROM subscriptions s WHERE s.user_id = uid
    ) m
    ORDER BY (m.status IN ('active', 'trialing', 'past_due')) DESC, m.mrr DESC, m.created_at DESC
    LIMIT 1
  ), 0)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "set_user_current_mrr"(uid uuid) RETURNS void LANGUAGE sql AS $$
  UPDATE users u SET current_mrr = m.mrr FROM (SELECT user_current_mrr(uid) AS mrr) m
  WHERE u.id = uid AND u.current_mrr IS DISTINCT FROM m.mrr
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "refresh_user_current_mrr"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM set_user_current_mrr(OLD.user_id);
  ELSE
    PERFORM set_user_current_mrr(NEW.user_id);
    -- A subscription moved to another user also changes the one it left.
    IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
      PERFORM set_user_current_mrr(OLD.user_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "subscriptions_current_mrr_insert_delete"
  AFTER INSERT OR DELETE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION refresh_user_current_mrr();
--> statement-breakpoint
-- Webhook re-syncs rewrite every synced column; only a change to what MRR depends on recomputes it.
CREATE TRIGGER "subscriptions_current_mrr_update"
  AFTER UPDATE ON subscriptions
  FOR EACH ROW WHEN (
    OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.unit_amount IS DISTINCT FROM NEW.unit_amount OR OLD.quantity IS DISTINCT FROM NEW.quantity
    OR OLD.interval IS DISTINCT FROM NEW.interval
  )
  EXECUTE FUNCTION refresh_user_current_mrr();
--> statement-breakpoint
SELECT set_user_current_mrr(id) FROM users u WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.id);
