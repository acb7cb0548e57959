/**
 * Pull: reads a subscription, an invoice or a customer from Stripe (`fetch*`, no transaction open)
 * and stores it (`store*`, no network call); `pull*` does both. (Push, the other direction, is
 * lib/stripe/catalog-push.ts and lib/billing/seats.ts; ingest, another provider's subscriptions sent
 * to us, is lib/billing/provider-ingest.ts.)
 * Brings our rows in line with Stripe's current state. Every write carries a
 * version (the time we started reading from Stripe); a row only moves forward, so webhooks that
 * arrive late, twice or concurrently can never put back an older state.
 */
import "server-only";
import { and, eq, getTableColumns, lte, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingCustomers, invoices, subscriptions, type CustomerTaxId, type Subscription } from "@/db/schema";
import { excludedSet } from "@/db/upsert";
import { retrieveInvoice, retrieveSubscriptionState, retrieveTaxRates, type PendingPriceChange } from "@/lib/stripe/gateway";
import { invoiceSnapshot, invoiceTaxRateIds, subscriptionSnapshot } from "@/lib/stripe/mapping";
import { fetchCustomerForOwnership, resolveCustomerOwner, type FetchedCustomer } from "./customers";
import { parseLookupKey } from "./plans";
import { inTransaction, lockTrackedState, recordSubscriptionChanges } from "./subscription-history";
import { SUBSCRIPTION_STATUS } from "./subscription-status";
import { sqlStatus } from "./subscription-status-sql";

/** A plan id for prices outside the catalog: stored for admins, grants nothing. */
export const UNKNOWN_PLAN_ID = "unknown";

const SUBSCRIPTION_SYNCED_COLUMNS = [
  "accountId",
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
  "billingCycleAnchor",
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
  "pendingQuantity",
  "sourceVersion",
  "metadata",
] as const;

/**
 * ON CONFLICT value for past_due_since: the grace period counts from when the subscription first
 * fell past due, not from each re-sync, and is cleared once it is no longer past due.
 */
export const keepFirstPastDueSince = sql`case when excluded.status = ${sqlStatus(SUBSCRIPTION_STATUS.past_due)}
  then coalesce(${subscriptions.pastDueSince}, excluded.past_due_since) else null end`;

export type StoreResult<T> = { status: "synced"; row: T } | { status: "stale" } | { status: "unattributed"; reason: string };

/**
 * What a webhook or a sync read from Stripe, before any transaction opens: the object, the version
 * (when the read began) and, for customers we have not linked yet, the customer's metadata.
 */
export interface FetchedSubscription {
  version: number;
  snapshot: ReturnType<typeof subscriptionSnapshot>;
  pendingChange: PendingPriceChange | null;
  /** The seats the schedule lowers the quantity to from the next period (gateway's pendingQuantity). */
  pendingQuantity: number | null;
  customer: FetchedCustomer;
}

/**
 * Network phase: reads the subscription (and, if needed, its customer) from Stripe. `known` is a
 * customer this event has looked up already (an invoice's): reused when it is the same one.
 */
export async function fetchStripeSubscription(
  db: Queryable,
  subscriptionId: string,
  known?: FetchedCustomer | null,
): Promise<FetchedSubscription> {
  const version = Date.now();
  const { subscription, pendingChange, pendingQuantity } = await retrieveSubscriptionState(subscriptionId);
  const snapshot = subscriptionSnapshot(subscription);
  const customer =
    known?.providerCustomerId === snapshot.providerCustomerId ? known : await fetchCustomerForOwnership(db, snapshot.providerCustomerId);
  return { version, snapshot, pendingChange, pendingQuantity, customer };
}

/** Re-reads a Stripe subscription and upserts our row; `ownerHint` is a accountId from a checkout session. */
export async function pullStripeSubscription(
  db: Queryable,
  subscriptionId: string,
  ownerHint?: string | null,
): Promise<StoreResult<Subscription>> {
  return storeStripeSubscription(db, await fetchStripeSubscription(db, subscriptionId), ownerHint);
}

/** Database phase: upserts what was read, guarded by its version. Makes no network call. */
export async function storeStripeSubscription(
  db: Queryable,
  fetched: FetchedSubscription,
  ownerHint?: string | null,
): Promise<StoreResult<Subscription>> {
  const { version, snapshot, pendingChange, pendingQuantity } = fetched;
  const owner = await resolveCustomerOwner(db, fetched.customer);
  // `userId`: subscriptions started before accounts existed (the personal account has the same id).
  const accountId = owner?.accountId ?? ownerHint ?? snapshot.metadata.accountId ?? snapshot.metadata.userId;
  if (!accountId) return { status: "unattributed", reason: `no account for customer ${snapshot.providerCustomerId}` };
  const pending = pendingChange ? parseLookupKey(pendingChange.lookupKey) : undefined;

  const values = {
    accountId,
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
    billingCycleAnchor: snapshot.billingCycleAnchor,
    trialStart: snapshot.trialStart,
    trialEnd: snapshot.trialEnd,
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    cancelAt: snapshot.cancelAt,
    canceledAt: snapshot.canceledAt,
    endedAt: snapshot.endedAt,
    // A renewal that fails leaves the subscription past_due from the start of the new period.
    pastDueSince: snapshot.status === SUBSCRIPTION_STATUS.past_due ? (snapshot.currentPeriodStart ?? new Date()) : null,
    scheduleId: snapshot.scheduleId,
    pendingPlanId: pending?.plan.id ?? null,
    pendingInterval: pending?.interval ?? null,
    pendingChangeAt: pending ? (pendingChange?.startsAt ?? null) : null,
    pendingQuantity: pendingQuantity ?? null,
    sourceVersion: version,
    metadata: snapshot.metadata,
  };
  // The upsert and the history rows it causes commit together; the row lock orders concurrent writers.
  return inTransaction(db, async (tx) => {
    const before = await lockTrackedState(tx, "stripe", snapshot.providerSubscriptionId);
    const [result] = await tx
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
      .returning({ ...getTableColumns(subscriptions), inserted: sql<boolean>`(xmax = 0)` });
    if (!result) return { status: "stale" };
    const { inserted, ...row } = result;
    // No row to lock, yet not inserted: a concurrent first write won; it recorded the start.
    if (before || inserted) await recordSubscriptionChanges(tx, before, row, new Date(version));
    return { status: "synced", row };
  });
}

const INVOICE_SYNCED_COLUMNS = [
  "accountId",
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
  "taxes",
  "customerTaxIds",
  "providerCreatedAt",
  "sourceVersion",
] as const;

export interface FetchedInvoice {
  version: number;
  snapshot: ReturnType<typeof invoiceSnapshot>;
  customer: FetchedCustomer | null;
}

/** Network phase for an invoice. */
export async function fetchStripeInvoice(db: Queryable, invoiceId: string): Promise<FetchedInvoice> {
  const version = Date.now();
  const invoice = await retrieveInvoice(invoiceId);
  const snapshot = invoiceSnapshot(invoice, await retrieveTaxRates(invoiceTaxRateIds(invoice)));
  const customer = snapshot.providerCustomerId ? await fetchCustomerForOwnership(db, snapshot.providerCustomerId) : null;
  return { version, snapshot, customer };
}

export async function pullStripeInvoice(db: Queryable, invoiceId: string): Promise<StoreResult<typeof invoices.$inferSelect>> {
  return storeStripeInvoice(db, await fetchStripeInvoice(db, invoiceId));
}

/** Database phase for an invoice: a version-guarded upsert, no network call. */
export async function storeStripeInvoice(db: Queryable, fetched: FetchedInvoice): Promise<StoreResult<typeof invoices.$inferSelect>> {
  const { version, snapshot } = fetched;
  const owner = fetched.customer ? await resolveCustomerOwner(db, fetched.customer) : undefined;
  if (!owner) return { status: "unattributed", reason: `no account for customer ${snapshot.providerCustomerId}` };
  const [row] = await db
    .insert(invoices)
    .values({
      ...snapshot,
      provider: "stripe",
      accountId: owner.accountId,
      billingCustomerId: owner.billingCustomerId,
      sourceVersion: version,
    })
    .onConflictDoUpdate({
      target: [invoices.provider, invoices.providerInvoiceId],
      set: { ...excludedSet(invoices, [...INVOICE_SYNCED_COLUMNS]), updatedAt: sql`now()` },
      setWhere: sql`${invoices.sourceVersion} <= excluded.source_version`,
    })
    .returning();
  return row ? { status: "synced", row } : { status: "stale" };
}

/**
 * customer.updated / customer.deleted / customer.tax_id.*: keep the email and tax IDs current, or mark the link
 * deleted. The tax IDs were read at `version`: an older read never overwrites a newer one.
 */
export async function storeStripeCustomer(
  db: Queryable,
  customer: { id: string; email?: string | null; deleted?: boolean; taxIds?: CustomerTaxId[]; version?: number },
): Promise<void> {
  const where = and(eq(billingCustomers.provider, "stripe"), eq(billingCustomers.providerCustomerId, customer.id));
  if (customer.deleted) {
    await db.update(billingCustomers).set({ deletedAt: new Date() }).where(where);
    return;
  }
  await db
    .update(billingCustomers)
    .set({ email: customer.email ?? null })
    .where(where);
  if (customer.taxIds && customer.version !== undefined) await storeCustomerTaxIds(db, customer.id, customer.taxIds, customer.version);
}

/** The customer's tax IDs as read from Stripe at `version` (ms), unless a newer read was stored already. */
export async function storeCustomerTaxIds(
  db: Queryable,
  providerCustomerId: string,
  taxIds: CustomerTaxId[],
  version: number,
): Promise<void> {
  await db
    .update(billingCustomers)
    .set({ taxIds: taxIds.map(({ type, value }) => ({ type, value })), taxIdsVersion: version })
    .where(
      and(
        eq(billingCustomers.provider, "stripe"),
        eq(billingCustomers.providerCustomerId, providerCustomerId),
        lte(billingCustomers.taxIdsVersion, version),
      ),
    );
}
