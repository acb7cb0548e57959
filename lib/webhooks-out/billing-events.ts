/**
 * The billing facts announced to outbound webhook endpoints, each written by the transaction that
 * makes it true (see events.ts). `data` is a small, stable JSON shape; receivers wanting the whole
 * picture read GET /api/billing/entitlements (or the subscription) for the account.
 */
import "server-only";
import type { Queryable } from "@/db/client";
import type { Invoice, Subscription } from "@/db/schema";
import type { SubscriptionChange } from "@/lib/billing/subscription-history";
import { emitOutboundEvent } from "./events";

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
/** Changes after which what the account may use can differ: plan, interval or status. */
const ENTITLEMENT_CHANGES = new Set(["started", "plan_changed", "status_changed"]);

/** `subscription.updated` for every recorded change, and `entitlements.updated` when plan or status moved. */
export async function emitSubscriptionChanges(tx: Queryable, after: Subscription, changes: SubscriptionChange[]): Promise<void> {
  if (changes.length === 0) return;
  const subscription = {
    id: after.id,
    provider: after.provider,
    providerSubscriptionId: after.providerSubscriptionId,
    planId: after.planId,
    interval: after.interval,
    status: after.status,
    quantity: after.quantity,
    cancelAtPeriodEnd: after.cancelAtPeriodEnd,
    cancelAt: iso(after.cancelAt),
    currentPeriodEnd: iso(after.currentPeriodEnd),
    trialEnd: iso(after.trialEnd),
  };
  await emitOutboundEvent(tx, { type: "subscription.updated", accountId: after.accountId, data: { subscription, changes } });
  const moved = changes.filter((change) => ENTITLEMENT_CHANGES.has(change.kind)).map((change) => change.kind);
  if (moved.length > 0) {
    await emitOutboundEvent(tx, {
      type: "entitlements.updated",
      accountId: after.accountId,
      data: { reason: moved, planId: after.planId, status: after.status, subscriptionId: after.id },
    });
  }
}

/** `invoice.paid` (once per invoice) or `invoice.payment_failed` (once per Stripe event). */
export async function emitInvoiceEvent(
  tx: Queryable,
  type: "invoice.paid" | "invoice.payment_failed",
  invoice: Invoice,
  sourceEventId: string,
): Promise<void> {
  await emitOutboundEvent(tx, {
    type,
    accountId: invoice.accountId,
    dedupeKey: type === "invoice.paid" ? `invoice.paid:${invoice.providerInvoiceId}` : `invoice.payment_failed:${sourceEventId}`,
    data: {
      invoice: {
        id: invoice.id,
        providerInvoiceId: invoice.providerInvoiceId,
        number: invoice.number,
        status: invoice.status,
        currency: invoice.currency,
        total: invoice.total,
        amountDue: invoice.amountDue,
        amountPaid: invoice.amountPaid,
        attemptCount: invoice.attemptCount,
        nextPaymentAttempt: iso(invoice.nextPaymentAttempt),
        providerSubscriptionId: invoice.providerSubscriptionId,
      },
    },
  });
}

/** `seat.added`: a member joined an organization (on a per-seat plan the seats follow). */
export async function emitSeatAdded(tx: Queryable, accountId: string, member: { userId: string; role: string }): Promise<void> {
  await emitOutboundEvent(tx, { type: "seat.added", accountId, data: { userId: member.userId, role: member.role } });
}

/** `entitlements.updated` after an admin changed a limit override. */
export async function emitLimitOverrideChanged(
  tx: Queryable,
  accountId: string,
  meter: string,
  limit: number | "unlimited" | null,
): Promise<void> {
  await emitOutboundEvent(tx, { type: "entitlements.updated", accountId, data: { reason: ["limit_override"], meter, limit } });
}

/**
 * `usage.threshold_reached`: a recorded use took a meter across a threshold of its limit (80 % and
 * 100 % unless the meter says otherwise); once per account, meter, window and threshold, written
 * with the usage alert that records it (lib/billing/metering/alerts.ts).
 */
export async function emitUsageThresholdReached(
  tx: Queryable,
  accountId: string,
  usage: { meter: string; threshold: number; used: number; limit: number; resetsAt: string; window?: "day" | "hour" | "spend_cap" },
): Promise<void> {
  await emitOutboundEvent(tx, {
    type: "usage.threshold_reached",
    accountId,
    dedupeKey: `usage.threshold_reached:${accountId}:${usage.meter}${usage.window ? `:${usage.window}` : ""}:${usage.resetsAt}:${usage.threshold}`,
    data: usage,
  });
}
