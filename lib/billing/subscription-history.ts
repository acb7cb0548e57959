/**
 * An account's subscription history: what changed each time a subscription row was written (plan or
 * interval, status, cancellation scheduled, resumed, a change scheduled for the period end). The
 * rows are written by the same transaction as the subscription upsert, so the history and the
 * subscription can never disagree.
 */
import "server-only";
import { and, desc, eq } from "drizzle-orm";
import type { Queryable, Transaction } from "@/db/client";
import { subscriptionChanges, subscriptions, type Subscription, type SubscriptionChangeKind } from "@/db/schema";
import { emitSubscriptionChanges } from "@/lib/webhooks-out/billing-events";
import { ENDED, inGroup } from "./subscription-status";

/** Runs `write` in a transaction: the one already open, or a new one. */
export function inTransaction<T>(db: Queryable, write: (tx: Queryable) => Promise<T>): Promise<T> {
  return "rollback" in db ? write(db as Transaction) : db.transaction(write);
}

/** The columns a change is judged on. */
export type TrackedState = Pick<
  Subscription,
  | "planId"
  | "interval"
  | "status"
  | "cancelAtPeriodEnd"
  | "cancelAt"
  | "currentPeriodEnd"
  | "pendingPlanId"
  | "pendingInterval"
  | "pendingChangeAt"
>;

export interface SubscriptionChange {
  kind: SubscriptionChangeKind;
  data: Record<string, unknown>;
}

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
/** Cancels at the period end or on a set date, and has not ended yet. */
const cancelScheduled = (s: TrackedState) => (s.cancelAtPeriodEnd || s.cancelAt !== null) && !inGroup(ENDED, s.status);

/** What changed from `before` (null: the row is new) to `after`, in the order it reads best. */
export function subscriptionChangesBetween(before: TrackedState | null, after: TrackedState): SubscriptionChange[] {
  if (!before) {
    return [{ kind: "started", data: { planId: after.planId, interval: after.interval, status: after.status } }];
  }
  const changes: SubscriptionChange[] = [];
  if (before.planId !== after.planId || before.interval !== after.interval) {
    changes.push({
      kind: "plan_changed",
      data: { fromPlanId: before.planId, fromInterval: before.interval, toPlanId: after.planId, toInterval: after.interval },
    });
  }
  if (before.status !== after.status) changes.push({ kind: "status_changed", data: { from: before.status, to: after.status } });
  const wasCanceling = cancelScheduled(before);
  const isCanceling = cancelScheduled(after);
  if (!wasCanceling && isCanceling) {
    changes.push({ kind: "cancel_scheduled", data: { endsAt: iso(after.cancelAt ?? after.currentPeriodEnd) } });
  } else if (wasCanceling && !isCanceling && !inGroup(ENDED, after.status)) {
    changes.push({ kind: "resumed", data: {} });
  }
  const pendingBefore = before.pendingPlanId ? `${before.pendingPlanId}/${before.pendingInterval}` : null;
  const pendingAfter = after.pendingPlanId ? `${after.pendingPlanId}/${after.pendingInterval}` : null;
  if (pendingAfter && pendingAfter !== pendingBefore) {
    changes.push({
      kind: "change_scheduled",
      data: { toPlanId: after.pendingPlanId, toInterval: after.pendingInterval, at: iso(after.pendingChangeAt) },
    });
  } else if (pendingBefore && !pendingAfter && !(after.planId === before.pendingPlanId && after.interval === before.pendingInterval)) {
    // Gone without taking effect (taking effect shows as plan_changed).
    changes.push({ kind: "scheduled_change_dropped", data: { planId: before.pendingPlanId, interval: before.pendingInterval } });
  }
  return changes;
}

/**
 * Locks the subscription row (if any) and reads the state a write is about to change. Call it in
 * the writing transaction, before the upsert, and pass the result to recordSubscriptionChanges.
 */
export async function lockTrackedState(db: Queryable, provider: string, providerSubscriptionId: string): Promise<TrackedState | null> {
  const [row] = await db
    .select({
      planId: subscriptions.planId,
      interval: subscriptions.interval,
      status: subscriptions.status,
      cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
      cancelAt: subscriptions.cancelAt,
      currentPeriodEnd: subscriptions.currentPeriodEnd,
      pendingPlanId: subscriptions.pendingPlanId,
      pendingInterval: subscriptions.pendingInterval,
      pendingChangeAt: subscriptions.pendingChangeAt,
    })
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, provider), eq(subscriptions.providerSubscriptionId, providerSubscriptionId)))
    .for("update");
  return row ?? null;
}

/**
 * Writes one history row per change between the locked state and the row just upserted, and the
 * outbound webhook events they make (`subscription.updated`, `entitlements.updated`) in the same transaction.
 */
export async function recordSubscriptionChanges(
  db: Queryable,
  before: TrackedState | null,
  after: Subscription,
  occurredAt: Date,
): Promise<void> {
  const changes = subscriptionChangesBetween(before, after);
  if (changes.length === 0) return;
  await db.insert(subscriptionChanges).values(
    changes.map((change) => ({
      accountId: after.accountId,
      subscriptionId: after.id,
      kind: change.kind,
      data: { ...change.data, provider: after.provider, providerSubscriptionId: after.providerSubscriptionId },
      occurredAt,
    })),
  );
  await emitSubscriptionChanges(db, after, changes);
}

export interface SubscriptionChangeRow {
  id: number;
  kind: SubscriptionChangeKind;
  provider: string;
  providerSubscriptionId: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** One account's history, newest first. */
export async function listSubscriptionChanges(
  db: Queryable,
  accountId: string,
  options: { limit: number },
): Promise<SubscriptionChangeRow[]> {
  const rows = await db
    .select({ change: subscriptionChanges, provider: subscriptions.provider, providerSubscriptionId: subscriptions.providerSubscriptionId })
    .from(subscriptionChanges)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionChanges.subscriptionId))
    .where(eq(subscriptionChanges.accountId, accountId))
    .orderBy(desc(subscriptionChanges.occurredAt), desc(subscriptionChanges.id))
    .limit(options.limit);
  return rows.map(({ change, provider, providerSubscriptionId }) => ({
    id: change.id,
    kind: change.kind,
    provider,
    providerSubscriptionId,
    data: change.data,
    occurredAt: change.occurredAt.toISOString(),
  }));
}
