/**
 * Seats of per-seat plans: the Stripe subscription item's quantity follows the account's members.
 * - `assertSeatAvailable(db, accountId, adding)` throws 409 `seat_limit_reached` (naming the
 *   plan's maximum) when `adding` more members would exceed the account's per-seat plan maximum;
 *   a no-op for plans not priced per seat and for accounts without a subscription (Free has no
 *   seat limit).
 * - `pushSeats(accountId)` sets the Stripe subscription item's quantity to the member count
 *   (raises now with `always_invoice`, lowers from the period end through the schedule), reading
 *   Stripe first and never inside a transaction; safe to call concurrently and repeatedly.
 *
 * The policy (docs/billing.md, "Per-seat plans"): a member added is billed at once for the rest of the
 * period (the proration invoiced now); a member removed stops being billed from the next period,
 * with nothing refunded mid-period: the quantity stays, and the schedule's next phase carries the
 * lower one. Every write sets an absolute target computed from a fresh read of the members and of
 * Stripe, then reads again until both agree, so concurrent calls converge on "quantity = members
 * (or more, with the decrease pending for the period end)", never lower, never doubled.
 */
import "server-only";
import type Stripe from "stripe";
import { getDb, type Queryable } from "@/db/client";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { isStaleStateError } from "@/lib/stripe/errors";
import {
  isIdempotencyConflict,
  releaseSchedule,
  retrieveSubscriptionState,
  schedulePriceChange,
  setPlanQuantityNow,
  type ScheduleSeats,
  type SubscriptionState,
} from "@/lib/stripe/gateway";
import { idOf } from "@/lib/stripe/mapping";
import { meteredItemsOf, planItemOf } from "@/lib/stripe/subscription-items";
import { countMembers } from "./members";
import { findPlan, parseLookupKey, seatQuantity, type BillingInterval, type Plan } from "./plans";
import { notEndedStripeSubscription } from "./summary";
import { pullStripeSubscription } from "./stripe-pull";
import { IN_FORCE, inGroup } from "./subscription-status";

export interface SeatSyncResult {
  members: number;
  quantity: number | null;
  pendingQuantity: number | null;
}

/** How many read-decide-write rounds one call makes before leaving the rest to the next call. */
export const SEAT_SYNC_ROUNDS = 5;

const seatLimitReached = (plan: Plan, members: number) =>
  new AppError(
    "seat_limit_reached",
    `${plan.name} has at most ${plan.seats?.max} seats and the organization has ${members} members. Remove a member or choose another plan.`,
    { maximum: plan.seats?.max, members },
  );

export async function assertSeatAvailable(db: Queryable, accountId: string, adding = 1): Promise<void> {
  const subscription = await notEndedStripeSubscription(db, accountId);
  const plan = findPlan(subscription?.planId);
  if (!plan?.seats) return;
  const members = await countMembers(db, accountId);
  if (members + adding > plan.seats.max) throw seatLimitReached(plan, members);
}

/**
 * The plan item's quantity for a new subscription to `plan` (checkout) or a change into it: the
 * account's members on a per-seat plan (409 `seat_limit_reached` above its maximum), 1 otherwise.
 */
export async function planQuantity(db: Queryable, plan: Plan, accountId: string): Promise<number> {
  if (!plan.seats) return 1;
  const members = await countMembers(db, accountId);
  if (members > plan.seats.max) throw seatLimitReached(plan, members);
  return seatQuantity(plan, members);
}

/** One Stripe write that brings the seats closer to the members, or none when they agree. */
export type SeatStep =
  | { op: "none" }
  /** The item's quantity now, the proration invoiced now. */
  | { op: "raise"; quantity: number }
  /** The schedule (created when missing): the current phase as it is, then `priceId` × `quantity` from the period end. */
  | { op: "schedule"; priceId: string; interval: BillingInterval; quantity: number; meteredPriceIds: string[] }
  /** The schedule only lowered the seats, and they need not be lowered any more. */
  | { op: "release" };

/** What the seat decision needs, read from Stripe just before deciding. */
export interface SeatFacts {
  plan: Plan;
  priceId: string;
  interval: BillingInterval;
  quantity: number;
  meteredPriceIds: string[];
  cancelAtPeriodEnd: boolean;
  schedule: ScheduleSeats | null;
}

/** The per-seat facts of a subscription; null when its plan is not priced per seat. */
export function seatFacts({ subscription, schedule }: SubscriptionState): SeatFacts | null {
  const item = planItemOf(subscription);
  const parsed = parseLookupKey(item?.price.lookup_key);
  if (!item || !parsed?.plan.seats) return null;
  return {
    plan: parsed.plan,
    priceId: item.price.id,
    interval: parsed.interval,
    quantity: item.quantity ?? 1,
    meteredPriceIds: meteredItemsOf(subscription).map((i) => i.price.id),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    schedule,
  };
}

/**
 * The next write for `members` members (pure). Raises apply now; a decrease waits for the period
 * end as the schedule's next phase. A pending change to another plan keeps its plan: on a per-seat
 * plan its quantity becomes the seats, on a flat plan it stays as the change set it.
 */
export function planSeatStep(facts: SeatFacts, members: number): SeatStep {
  const target = seatQuantity(facts.plan, members);
  if (target > facts.quantity) return { op: "raise", quantity: target };
  // A canceling subscription has no next period to lower the seats in.
  if (facts.cancelAtPeriodEnd) return { op: "none" };
  const { schedule } = facts;
  const next = schedule?.next;
  if (schedule && next) {
    const nextTerms = parseLookupKey(next.lookupKey);
    const staleCurrent = schedule.currentQuantity !== null && schedule.currentQuantity !== facts.quantity;
    if (!nextTerms?.plan.seats) {
      // A change to a flat plan (or a price outside the catalog) is pending: its quantity is its own.
      return staleCurrent
        ? {
            op: "schedule",
            priceId: next.priceId,
            interval: nextTerms?.interval ?? facts.interval,
            quantity: next.quantity,
            meteredPriceIds: next.meteredPriceIds,
          }
        : { op: "none" };
    }
    if (next.priceId === facts.priceId && target === facts.quantity) return { op: "release" };
    if (next.quantity !== target || staleCurrent) {
      return {
        op: "schedule",
        priceId: next.priceId,
        interval: nextTerms.interval,
        quantity: target,
        meteredPriceIds: next.meteredPriceIds,
      };
    }
    return { op: "none" };
  }
  if (target < facts.quantity) {
    return { op: "schedule", priceId: facts.priceId, interval: facts.interval, quantity: target, meteredPriceIds: facts.meteredPriceIds };
  }
  return { op: "none" };
}

/**
 * The idempotency key of a seat write: the state it was planned from (quantity, latest invoice,
 * schedule and its seat version). A retried write is a replay; a concurrent write planned from the
 * same state (another call's raise or schedule) is refused by Stripe, and that call decides again
 * from a fresh read. So no write planned from an old state lowers what a newer one raised.
 */
export function seatWriteKey(subscription: Stripe.Subscription, facts: SeatFacts): string {
  return [
    "seats",
    subscription.id,
    `q${facts.quantity}`,
    idOf(subscription.latest_invoice) ?? "none",
    facts.schedule ? `${facts.schedule.scheduleId}.v${facts.schedule.version}` : "unscheduled",
  ].join(":");
}

async function runSeatStep(state: SubscriptionState, facts: SeatFacts, step: SeatStep): Promise<void> {
  const { subscription } = state;
  const key = seatWriteKey(subscription, facts);
  switch (step.op) {
    case "none":
      return;
    case "raise":
      await setPlanQuantityNow({
        itemId: (planItemOf(subscription) as Stripe.SubscriptionItem).id,
        quantity: step.quantity,
        idempotencyKey: key,
      });
      return;
    case "release":
      await releaseSchedule(facts.schedule!.scheduleId, key);
      return;
    case "schedule":
      await schedulePriceChange({
        subscription,
        priceId: step.priceId,
        interval: step.interval,
        meteredPriceIds: step.meteredPriceIds,
        quantity: step.quantity,
        metadata: { seats_version: String((facts.schedule?.version ?? 0) + 1) },
        // A schedule created now is new: its update is keyed on it, not on the state without one.
        idempotencyKey: facts.schedule ? key : undefined,
      });
      return;
  }
}

export async function pushSeats(accountId: string): Promise<SeatSyncResult | null> {
  const db = await getDb();
  for (let round = 1; ; round += 1) {
    const row = await notEndedStripeSubscription(db, accountId);
    if (!row) return null;
    const members = await countMembers(db, accountId);
    const state = await retrieveSubscriptionState(row.providerSubscriptionId);
    const facts = seatFacts(state);
    if (!facts) return null;
    // Seats follow the members while the subscription is in force (one waiting for its first payment, or ended, is left alone).
    const step = inGroup(IN_FORCE, state.subscription.status) ? planSeatStep(facts, members) : ({ op: "none" } as const);
    if (step.op === "none" || round > SEAT_SYNC_ROUNDS) {
      if (step.op !== "none")
        logger.warn({ accountId, members, quantity: facts.quantity, step }, "seats still moving; the next sync converges");
      // Our row follows what was just read (the webhooks bring the same, later).
      if (row.quantity !== facts.quantity || row.pendingQuantity !== state.pendingQuantity || round > 1) {
        await pullStripeSubscription(db, row.providerSubscriptionId, accountId);
      }
      return { members, quantity: facts.quantity, pendingQuantity: state.pendingQuantity };
    }
    try {
      await runSeatStep(state, facts, step);
      logger.info({ accountId, subscriptionId: state.subscription.id, members, from: facts.quantity, step }, "seats synced");
    } catch (error) {
      // Another call wrote first (same planned-from state), or the subscription moved under us: read again.
      if (!isIdempotencyConflict(error) && !isStaleStateError(error)) throw error;
      if (round === SEAT_SYNC_ROUNDS) throw error;
    }
  }
}
