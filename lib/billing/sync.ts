/**
 * Brings our rows in line with the payment provider's current state. Every write carries a
 * version (the time we started reading from Stripe); a row only moves forward, so webhooks that
 * arrive late, twice or concurrently can never put back an older state.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingCustomers, invoices, subscriptions, type Subscription } from "@/db/schema";
import { excludedSet } from "@/db/upsert";
import { retrieveInvoice, retrieveSubscriptionState } from "@/lib/stripe/gateway";
import { invoiceSnapshot, subscriptionSnapshot } from "@/lib/stripe/mapping";
import { resolveCustomerOwner } from "./customers";
import { parseLookupKey } from "./plans";

/** A plan id for prices outside the catalog: stored for admins, grants nothing. */
export const UNKNOWN_PLAN_ID = "unknown";

const SUBSCRIPTION_SYNCED_COLUMNS = [
  "userId",
  "billingCustomerId",
  "status",
  "planId",
  "priceId",
  "priceLookupKey",
  "interval",
  "quantity",
  "unitAmount",
  "currency",
  "currentPeriodStart",
  "currentPeriodEnd",
  "trialStart",
  "trialEnd",
  "cancelAtPeriodEnd",
  "cancelAt",
  "canceledAt",
  "endedAt",
  "scheduleId",
  "pendingPlanId",
  "pendingInterval",
  "pendingChangeAt",
  "sourceVersion",
  "metadata",
] as const;

/**
 * ON CONFLICT value for past_due_since: the grace period counts from when the subscription first
 * fell past due, not from each re-sync, and is cleared once it is no longer past due.
 */
export const keepFirstPastDueSince = sql`case when excluded.status = 'past_due'
  then coalesce(${subscriptions.pastDueSince}, excluded.past_due_since) else null end`;

export type SyncResult<T> = { status: "synced"; row: T } | { status: "stale" } | { status: "unattributed"; reason: string };

/** Re-reads a Stripe subscription and upserts our row; `ownerHint` is a userId from a checkout session. */
export async function syncStripeSubscription(db: Queryable, subscriptionId: string, ownerHint?: string | null): Promise<SyncResult<Subscription>> {
  const version = Date.now();
  const { subscription, pendingChange } = await retrieveSubscriptionState(subscriptionId);
  const snapshot = subscriptionSnapshot(subscription);
  const owner = await resolveCustomerOwner(db, snapshot.providerCustomerId);
  const userId = owner?.userId ?? ownerHint ?? snapshot.metadata.userId;
  if (!userId) return { status: "unattributed", reason: `no user for customer ${snapshot.providerCustomerId}` };
  const pending = pendingChange ? parseLookupKey(pendingChange.lookupKey) : undefined;

  const values = {
    userId,
    billingCustomerId: owner?.billingCustomerId ?? null,
    provider: "stripe",
    providerSubscriptionId: snapshot.providerSubscriptionId,
    status: snapshot.status,
    planId: snapshot.planId ?? UNKNOWN_PLAN_ID,
    priceId: snapshot.priceId,
    priceLookupKey: snapshot.priceLookupKey,
    interval: snapshot.interval,
    quantity: snapshot.quantity,
    unitAmount: snapshot.unitAmount,
    currency: snapshot.currency,
    currentPeriodStart: snapshot.currentPeriodStart,
    currentPeriodEnd: snapshot.currentPeriodEnd,
    trialStart: snapshot.trialStart,
    trialEnd: snapshot.trialEnd,
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    cancelAt: snapshot.cancelAt,
    canceledAt: snapshot.canceledAt,
    endedAt: snapshot.endedAt,
    // A renewal that fails leaves the subscription past_due from the start of the new period.
    pastDueSince: snapshot.status === "past_due" ? (snapshot.currentPeriodStart ?? new Date()) : null,
    scheduleId: snapshot.scheduleId,
    pendingPlanId: pending?.plan.id ?? null,
    pendingInterval: pending?.interval ?? null,
    pendingChangeAt: pending ? (pendingChange?.startsAt ?? null) : null,
    sourceVersion: version,
    metadata: snapshot.metadata,
  };
  const [row] = await db
    .insert(subscriptions)
    .values(values)
    .onConflictDoUpdate({
      target: [subscriptions.provider, subscriptions.providerSubscriptionId],
      set: {
        ...excludedSet(subscriptions, [...SUBSCRIPTION_SYNCED_COLUMNS]),
        pastDueSince: keepFirstPastDueSince,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${subscriptions.sourceVersion} <= excluded.source_version`,
    })
    .returning();
  return row ? { status: "synced", row } : { status: "stale" };
}

const INVOICE_SYNCED_COLUMNS = [
  "userId",
  "billingCustomerId",
  "providerCustomerId",
  "providerSubscriptionId",
  "number",
  "status",
  "billingReason",
  "currency",
  "subtotal",
  "total",
  "amountDue",
  "amountPaid",
  "amountRemaining",
  "amountRefunded",
  "attemptCount",
  "nextPaymentAttempt",
  "hostedInvoiceUrl",
  "invoicePdf",
  "periodStart",
  "periodEnd",
  "paidAt",
  "providerCreatedAt",
  "sourceVersion",
] as const;

export async function syncStripeInvoice(db: Queryable, invoiceId: string): Promise<SyncResult<typeof invoices.$inferSelect>> {
  const version = Date.now();
  const snapshot = invoiceSnapshot(await retrieveInvoice(invoiceId));
  const owner = snapshot.providerCustomerId ? await resolveCustomerOwner(db, snapshot.providerCustomerId) : undefined;
  if (!owner) return { status: "unattributed", reason: `no user for customer ${snapshot.providerCustomerId}` };
  const [row] = await db
    .insert(invoices)
    .values({ ...snapshot, provider: "stripe", userId: owner.userId, billingCustomerId: owner.billingCustomerId, sourceVersion: version })
    .onConflictDoUpdate({
      target: [invoices.provider, invoices.providerInvoiceId],
      set: { ...excludedSet(invoices, [...INVOICE_SYNCED_COLUMNS]), updatedAt: sql`now()` },
      setWhere: sql`${invoices.sourceVersion} <= excluded.source_version`,
    })
    .returning();
  return row ? { status: "synced", row } : { status: "stale" };
}

/** customer.updated / customer.deleted: keep the email current, or mark the link deleted. */
export async function syncStripeCustomer(
  db: Queryable,
  customer: { id: string; email?: string | null; deleted?: boolean },
): Promise<void> {
  await db
    .update(billingCustomers)
    .set(customer.deleted ? { deletedAt: new Date() } : { email: customer.email ?? null })
    .where(and(eq(billingCustomers.provider, "stripe"), eq(billingCustomers.providerCustomerId, customer.id)));
}
