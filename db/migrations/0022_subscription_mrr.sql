-- One definition of a subscription's MRR, shared by the accounts' current_mrr trigger (below) and
-- the admin metrics (lib/billing/admin/metrics.ts, through lib/billing/subscription-status-sql.ts):
-- minor units per month, unrounded, for active and past-due subscriptions with a price (the PAYING
-- group of lib/billing/subscription-status.ts); yearly prices count as one twelfth; null otherwise.
CREATE OR REPLACE FUNCTION "subscription_mrr"(status text, unit_amount integer, quantity integer, billing_interval text)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN status IN ('active', 'past_due') AND unit_amount IS NOT NULL
    THEN unit_amount::numeric * quantity / (CASE WHEN billing_interval = 'year' THEN 12 ELSE 1 END) END
$$;
--> statement-breakpoint
-- An account's MRR: that of its current subscription (those in force first, the highest MRR among
-- them), rounded to minor units; the same rule as migration 0011, now over subscription_mrr. The
-- IN_FORCE group of lib/billing/subscription-status.ts, as the admin customer list orders by.
CREATE OR REPLACE FUNCTION "account_current_mrr"(aid uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT m.mrr FROM (
      SELECT s.status, s.created_at,
        coalesce(round(subscription_mrr(s.status, s.unit_amount, s.quantity, s."interval"))::bigint, 0) AS mrr
      FROM subscriptions s WHERE s.account_id = aid
    ) m
    ORDER BY (m.status IN ('active', 'trialing', 'past_due')) DESC, m.mrr DESC, m.created_at DESC
    LIMIT 1
  ), 0)
$$;
