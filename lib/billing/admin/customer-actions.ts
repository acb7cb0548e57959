/**
 * What an admin can do to one customer. Each action changes only that customer's rows and writes
 * one audit entry naming the admin, in the same transaction as the change.
 */
import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { accounts, auditLog, billingCustomers, customerLimitOverrides, subscriptions } from "@/db/schema";
import { conflict, notFound } from "@/lib/errors";
import { listInvoicesForCustomer, listSubscriptionsForCustomer } from "@/lib/stripe/gateway";
import { emitLimitOverrideChanged } from "@/lib/webhooks-out/billing-events";
import { METER_IDS } from "../plans";
import { recordSubscriptionChanges, lockTrackedState } from "../subscription-history";
import {
  fetchStripeInvoice,
  fetchStripeSubscription,
  storeStripeInvoice,
  storeStripeSubscription,
  type FetchedInvoice,
  type FetchedSubscription,
} from "../stripe-pull";
import { ADMIN_GRANT_PROVIDER, STAFF_PLAN_ID, staffGrantId } from "./staff-grant";
import { SUBSCRIPTION_STATUS } from "../subscription-status";

async function requireCustomer(db: Database, accountId: string): Promise<void> {
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account) throw notFound("No customer with that id.");
}

export const staffInput = z.object({ grant: z.boolean({ message: "grant must be true or false" }) });

/** Grants (or revokes) the internal Staff plan through an admin-provider subscription row. */
export async function setStaffPlan(
  db: Database,
  accountId: string,
  grant: boolean,
  actorUserId: string,
): Promise<{ granted: boolean; changed: boolean }> {
  await requireCustomer(db, accountId);
  const now = new Date();
  return db.transaction(async (tx) => {
    const before = await lockTrackedState(tx, ADMIN_GRANT_PROVIDER, staffGrantId(accountId));
    const active = before?.status === SUBSCRIPTION_STATUS.active;
    if (active === grant) return { granted: grant, changed: false };
    const status = grant ? SUBSCRIPTION_STATUS.active : SUBSCRIPTION_STATUS.canceled;
    const [row] = await tx
      .insert(subscriptions)
      .values({
        accountId,
        provider: ADMIN_GRANT_PROVIDER,
        providerSubscriptionId: staffGrantId(accountId),
        status,
        planId: STAFF_PLAN_ID,
        sourceVersion: now.getTime(),
      })
      .onConflictDoUpdate({
        target: [subscriptions.provider, subscriptions.providerSubscriptionId],
        set: { status, canceledAt: grant ? null : now, endedAt: grant ? null : now, sourceVersion: now.getTime(), updatedAt: sql`now()` },
      })
      .returning();
    await recordSubscriptionChanges(tx, before, row, now);
    await tx
      .insert(auditLog)
      .values({ actorUserId, action: grant ? "staff.granted" : "staff.revoked", targetType: "account", targetId: accountId });
    return { granted: grant, changed: true };
  });
}

export const limitOverrideInput = z.object({
  meter: z.enum(METER_IDS as [string, ...string[]], { message: `meter must be one of ${METER_IDS.join(", ")}` }),
  /** A whole number, "unlimited", or null to go back to the plan's limit. */
  limit: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.literal("unlimited"), z.null()], {
    message: 'limit must be a whole number ≥ 0, "unlimited", or null to use the plan\'s limit',
  }),
});
export type LimitOverrideInput = z.infer<typeof limitOverrideInput>;

/** Sets (or removes) the customer's own limit for one meter; entitlements and metering use it. */
export async function setLimitOverride(db: Database, accountId: string, input: LimitOverrideInput, actorUserId: string): Promise<void> {
  await requireCustomer(db, accountId);
  await db.transaction(async (tx) => {
    if (input.limit === null) {
      await tx
        .delete(customerLimitOverrides)
        .where(and(eq(customerLimitOverrides.accountId, accountId), eq(customerLimitOverrides.meter, input.meter)));
    } else {
      const limit = input.limit === "unlimited" ? null : input.limit;
      await tx
        .insert(customerLimitOverrides)
        .values({ accountId, meter: input.meter, limit, updatedBy: actorUserId })
        .onConflictDoUpdate({
          target: [customerLimitOverrides.accountId, customerLimitOverrides.meter],
          set: { limit, updatedBy: actorUserId, updatedAt: sql`now()` },
        });
    }
    await tx.insert(auditLog).values({
      actorUserId,
      action: input.limit === null ? "limit_override.removed" : "limit_override.set",
      targetType: "account",
      targetId: accountId,
      data: { meter: input.meter, limit: input.limit },
    });
    await emitLimitOverrideChanged(tx, accountId, input.meter, input.limit);
  });
}

export interface CustomerSyncReport {
  subscriptions: number;
  invoices: number;
}

/**
 * Re-reads the customer's subscriptions and invoices from Stripe, then upserts them (each
 * version-guarded) and writes the audit row in one short transaction: no transaction is open
 * during a Stripe call, and the sync and its audit row commit together or not at all.
 */
export async function pullCustomerFromStripe(db: Database, accountId: string, actorUserId: string): Promise<CustomerSyncReport> {
  await requireCustomer(db, accountId);
  const [customer] = await db
    .select()
    .from(billingCustomers)
    .where(and(eq(billingCustomers.accountId, accountId), eq(billingCustomers.provider, "stripe")))
    .limit(1);
  if (!customer) throw conflict("This customer has no Stripe customer yet; there is nothing to sync.");
  const fetchedSubscriptions: FetchedSubscription[] = [];
  for await (const subscription of listSubscriptionsForCustomer(customer.providerCustomerId))
    fetchedSubscriptions.push(await fetchStripeSubscription(db, subscription.id));
  const fetchedInvoices: FetchedInvoice[] = [];
  for await (const invoice of listInvoicesForCustomer(customer.providerCustomerId))
    fetchedInvoices.push(await fetchStripeInvoice(db, invoice.id));
  return db.transaction(async (tx) => {
    const report: CustomerSyncReport = { subscriptions: 0, invoices: 0 };
    for (const fetched of fetchedSubscriptions) {
      if ((await storeStripeSubscription(tx, fetched, accountId)).status !== "unattributed") report.subscriptions += 1;
    }
    for (const fetched of fetchedInvoices) {
      if ((await storeStripeInvoice(tx, fetched)).status !== "unattributed") report.invoices += 1;
    }
    await tx
      .insert(auditLog)
      .values({ actorUserId, action: "customer.synced", targetType: "account", targetId: accountId, data: { ...report } });
    return report;
  });
}
