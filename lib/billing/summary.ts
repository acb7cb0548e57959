import "server-only";
import { desc, eq } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { subscriptions, type Subscription } from "@/db/schema";
import { gracePeriodDays, readLimitOverrides, resolveEntitlement, type EntitlementSource, type LimitOverride } from "./entitlements";
import { countMembers } from "./members";
import { findPlan, type BillingInterval, type FeatureId, type MeterId } from "./plans";
import { usedTrialOrPaid } from "./trial";
import { inGroup, NOT_ENDED, SUBSCRIPTION_STATUS } from "./subscription-status";

export interface BillingSummary {
  plan: { id: string; name: string };
  /** The subscription's provider status, or "free" when there is none. */
  status: string;
  provider: string | null;
  subscriptionId: string | null;
  interval: BillingInterval | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: string | null;
  gracePeriodEndsAt: string | null;
  pendingChange: { plan: { id: string; name: string }; interval: BillingInterval | null; effectiveAt: string | null } | null;
  /**
   * On a plan priced per seat: the account's members, the seats Stripe bills now (the item's
   * quantity) and the seats it bills from the next period when a removal lowered them (else null).
   * Null for plans not priced per seat.
   */
  seats: { members: number; quantity: number; pendingQuantity: number | null } | null;
  /** The account had a trial or paid before: a new checkout gets no trial (see ./trial.ts; Checkout also asks Stripe). */
  trialUsed: boolean;
  entitlements: {
    planId: string;
    source: EntitlementSource;
    features: Record<FeatureId, boolean>;
    limits: Record<MeterId, number | null>;
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function userSubscriptions(db: Queryable, accountId: string): Promise<Subscription[]> {
  return db.select().from(subscriptions).where(eq(subscriptions.accountId, accountId)).orderBy(desc(subscriptions.createdAt));
}

/** The account's Stripe subscription that has not ended (NOT_ENDED: what plan changes, cancellation, seats and discounts act on). */
export async function notEndedStripeSubscription(db: Queryable, accountId: string): Promise<Subscription | undefined> {
  const rows = await userSubscriptions(db, accountId);
  return rows.find((s) => s.provider === "stripe" && inGroup(NOT_ENDED, s.status));
}

/** `members`: the account's member count (the seats of a per-seat plan); the billed quantity stands in when unknown. */
export function summarize(
  rows: Subscription[],
  now = new Date(),
  overrides: LimitOverride[] = [],
  members: number | null = null,
): BillingSummary {
  const entitlement = resolveEntitlement(rows, now, gracePeriodDays(), overrides);
  // Show the subscription that grants the plan; otherwise the newest one that still matters.
  const shown = entitlement.subscription ?? rows.find((s) => inGroup(NOT_ENDED, s.status)) ?? null;
  const pendingPlan = findPlan(shown?.pendingPlanId);
  // A pending change to a flat plan sets its own quantity (1): that is not a seat decrease.
  const seats =
    shown && findPlan(shown.planId)?.seats
      ? {
          members: members ?? shown.quantity,
          quantity: shown.quantity,
          pendingQuantity: !pendingPlan || pendingPlan.seats ? shown.pendingQuantity : null,
        }
      : null;
  return {
    plan: { id: entitlement.plan.id, name: entitlement.plan.name },
    status: shown?.status ?? "free",
    provider: shown?.provider ?? null,
    subscriptionId: shown?.providerSubscriptionId ?? null,
    interval: shown?.interval ?? null,
    currentPeriodStart: iso(shown?.currentPeriodStart ?? null),
    currentPeriodEnd: iso(shown?.currentPeriodEnd ?? null),
    trialEnd: shown?.status === SUBSCRIPTION_STATUS.trialing ? iso(shown.trialEnd) : null,
    cancelAtPeriodEnd: shown?.cancelAtPeriodEnd ?? false,
    cancelAt: iso(shown?.cancelAt ?? null),
    gracePeriodEndsAt: iso(entitlement.gracePeriodEndsAt),
    pendingChange:
      shown && pendingPlan
        ? { plan: { id: pendingPlan.id, name: pendingPlan.name }, interval: shown.pendingInterval, effectiveAt: iso(shown.pendingChangeAt) }
        : null,
    seats,
    trialUsed: rows.some(usedTrialOrPaid),
    entitlements: {
      planId: entitlement.plan.id,
      source: entitlement.source,
      features: entitlement.features,
      limits: entitlement.limits,
    },
  };
}

export async function getBillingSummary(accountId: string, now = new Date()): Promise<BillingSummary> {
  const db = await getDb();
  const [rows, overrides, members] = await Promise.all([
    userSubscriptions(db, accountId),
    readLimitOverrides(db, accountId),
    countMembers(db, accountId),
  ]);
  return summarize(rows, now, overrides, members);
}
