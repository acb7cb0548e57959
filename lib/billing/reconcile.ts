import "server-only";
import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { auditLog, billingCustomers, subscriptions, type Subscription } from "@/db/schema";
import { listAllCustomers, listAllSubscriptions } from "@/lib/stripe/gateway";
import { subscriptionSnapshot, type SubscriptionSnapshot } from "@/lib/stripe/mapping";
import { recordAlert } from "@/lib/alerts";
import { resolveCustomerOwner } from "./customers";
import { UNKNOWN_PLAN_ID, fetchStripeSubscription, storeStripeSubscription } from "./stripe-pull";
import { replayUnfinishedEvents } from "./webhooks/inbox";

export interface ReconcileReport {
  subscriptionsChecked: number;
  drift: Array<{ subscriptionId: string; issue: string; repaired: boolean }>;
  customersLinked: number;
  webhooksReplayed: Array<{ eventId: string; result: string }>;
}

/**
 * Compares Stripe with the database and repairs what drifted: subscriptions a lost webhook never
 * delivered (or that were made in the dashboard), stale statuses, unlinked customers; then replays
 * webhook events that failed or never finished.
 */
export async function reconcileBilling(): Promise<ReconcileReport> {
  const db = await getDb();
  const report: ReconcileReport = { subscriptionsChecked: 0, drift: [], customersLinked: 0, webhooksReplayed: [] };

  // One read of what we already have, instead of a query per Stripe object.
  const linkedCustomers = new Set((await db.select({ id: billingCustomers.providerCustomerId }).from(billingCustomers)).map((c) => c.id));
  for await (const customer of listAllCustomers()) {
    if (!customer.metadata?.accountId || linkedCustomers.has(customer.id)) continue;
    const owner = await resolveCustomerOwner(db, {
      providerCustomerId: customer.id,
      stripe: { deleted: false, accountId: customer.metadata.accountId, email: customer.email },
    });
    if (owner?.billingCustomerId) report.customersLinked += 1;
  }

  const stored = new Map(
    (await db.select().from(subscriptions).where(eq(subscriptions.provider, "stripe"))).map((row) => [row.providerSubscriptionId, row]),
  );
  for await (const subscription of listAllSubscriptions()) {
    report.subscriptionsChecked += 1;
    if (driftOf(stored.get(subscription.id), subscriptionSnapshot(subscription)).length === 0) continue;
    const repair = await repairDrift(db, subscription.id);
    if (repair) report.drift.push({ subscriptionId: subscription.id, issue: repair.issues.join("; "), repaired: repair.repaired });
  }

  report.webhooksReplayed = await replayUnfinishedEvents();
  // The admin Operations page shows the last run from this entry.
  await db.insert(auditLog).values({ action: "reconcile.completed", targetType: "billing", data: { ...report } });
  return report;
}

/** Key space of the per-subscription repair lock (pg_advisory_xact_lock's two-key form). */
const REPAIR_LOCK_SPACE = 0x7265636f; // "reco"

/**
 * Repairs one drifted subscription, once however many reconcile runs found it at the same moment
 * (every instance runs the cron): Stripe is read first, with no transaction open; then one short
 * transaction takes a transaction-scoped lock on the subscription (safe through a transaction
 * pooler), re-reads our row and repairs, alerts and audits only if it still drifts from what was
 * read. A run that waited on the lock finds the row repaired and does nothing. Null: nothing to do.
 */
async function repairDrift(db: Database, subscriptionId: string): Promise<{ issues: string[]; repaired: boolean } | null> {
  const fetched = await fetchStripeSubscription(db, subscriptionId);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REPAIR_LOCK_SPACE}::int, hashtext(${subscriptionId}::text))`);
    const [current] = await tx
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.provider, "stripe"), eq(subscriptions.providerSubscriptionId, subscriptionId)));
    // Stored from a newer read meanwhile (a webhook, another run): that one is in charge.
    if (current && current.sourceVersion > fetched.version) return null;
    const issues = driftOf(current, fetched.snapshot);
    if (issues.length === 0) return null;
    const result = await storeStripeSubscription(tx, fetched);
    const repaired = result.status === "synced";
    await recordAlert(tx, {
      kind: "reconcile_drift",
      dedupeKey: `reconcile_drift:${subscriptionId}:${createHash("sha256").update(issues.join("; ")).digest("hex").slice(0, 16)}`,
      text: `Reconciliation drift on ${subscriptionId}: ${issues.join("; ")} (${repaired ? "repaired" : "NOT repaired"}).`,
      data: { subscriptionId, issues, repaired },
    });
    await tx.insert(auditLog).values({
      action: "reconcile.drift",
      targetType: "subscription",
      targetId: subscriptionId,
      data: { issues, repaired, ...(result.status === "unattributed" ? { reason: result.reason } : {}) },
    });
    return { issues, repaired };
  });
}

/** How our row disagrees with Stripe's subscription; empty when they agree. */
function driftOf(row: Subscription | undefined, snapshot: SubscriptionSnapshot): string[] {
  if (!row) return ["missing in database"];
  const issues: string[] = [];
  if (row.status !== snapshot.status) issues.push(`status ${row.status} → ${snapshot.status}`);
  if ((row.planId === UNKNOWN_PLAN_ID ? null : row.planId) !== snapshot.planId) issues.push(`plan ${row.planId} → ${snapshot.planId}`);
  if (row.cancelAtPeriodEnd !== snapshot.cancelAtPeriodEnd) {
    issues.push(`cancel_at_period_end ${row.cancelAtPeriodEnd} → ${snapshot.cancelAtPeriodEnd}`);
  }
  if (row.currentPeriodEnd?.getTime() !== snapshot.currentPeriodEnd?.getTime()) issues.push("current period moved");
  return issues;
}

export function formatReconcileReport(report: ReconcileReport): string {
  const lines = [
    `Subscriptions checked: ${report.subscriptionsChecked}`,
    `Customers linked: ${report.customersLinked}`,
    `Drift found: ${report.drift.length}`,
    ...report.drift.map((d) => `  ${d.subscriptionId}: ${d.issue} (${d.repaired ? "repaired" : "NOT repaired"})`),
    `Webhook events replayed: ${report.webhooksReplayed.length}`,
    ...report.webhooksReplayed.map((r) => `  ${r.eventId}: ${r.result}`),
  ];
  return lines.join("\n");
}
