import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, billingCustomers, subscriptions, type Subscription } from "@/db/schema";
import { listAllCustomers, listAllSubscriptions } from "@/lib/stripe/gateway";
import { subscriptionSnapshot, type SubscriptionSnapshot } from "@/lib/stripe/mapping";
import { recordAlert } from "@/lib/alerts";
import { resolveCustomerOwner } from "./customers";
import { UNKNOWN_PLAN_ID, syncStripeSubscription } from "./sync";
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
  const linkedCustomers = new Set(
    (await db.select({ id: billingCustomers.providerCustomerId }).from(billingCustomers)).map((c) => c.id),
  );
  for await (const customer of listAllCustomers()) {
    if (!customer.metadata?.userId || linkedCustomers.has(customer.id)) continue;
    const owner = await resolveCustomerOwner(db, {
      providerCustomerId: customer.id,
      stripe: { deleted: false, userId: customer.metadata.userId, email: customer.email },
    });
    if (owner?.billingCustomerId) report.customersLinked += 1;
  }

  const stored = new Map(
    (await db.select().from(subscriptions).where(eq(subscriptions.provider, "stripe"))).map((row) => [row.providerSubscriptionId, row]),
  );
  for await (const subscription of listAllSubscriptions()) {
    report.subscriptionsChecked += 1;
    const issues = driftOf(stored.get(subscription.id), subscriptionSnapshot(subscription));
    if (issues.length === 0) continue;
    const result = await syncStripeSubscription(db, subscription.id);
    const repaired = result.status === "synced";
    report.drift.push({ subscriptionId: subscription.id, issue: issues.join("; "), repaired });
    await recordAlert(db, {
      kind: "reconcile_drift",
      dedupeKey: `reconcile_drift:${subscription.id}:${createHash("sha256").update(issues.join("; ")).digest("hex").slice(0, 16)}`,
      text: `Reconciliation drift on ${subscription.id}: ${issues.join("; ")} (${repaired ? "repaired" : "NOT repaired"}).`,
      data: { subscriptionId: subscription.id, issues, repaired },
    });
    await db.insert(auditLog).values({
      action: "reconcile.drift",
      targetType: "subscription",
      targetId: subscription.id,
      data: { issues, repaired, ...(result.status === "unattributed" ? { reason: result.reason } : {}) },
    });
  }

  report.webhooksReplayed = await replayUnfinishedEvents();
  // The admin Operations page shows the last run from this entry.
  await db.insert(auditLog).values({ action: "reconcile.completed", targetType: "billing", data: { ...report } });
  return report;
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
