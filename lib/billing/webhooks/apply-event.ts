import "server-only";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import type { Subscription } from "@/db/schema";
import { recordAlert, type AlertKind } from "@/lib/alerts";
import { logger } from "@/lib/logger";
import { applySetupPaymentMethod, hasDefaultPaymentMethod, isResourceMissing, retrieveCustomerState } from "@/lib/stripe/gateway";
import { idOf } from "@/lib/stripe/mapping";
import { emitInvoiceEvent } from "@/lib/webhooks-out/billing-events";
import { queueNotification, type NotificationKind } from "../notifications";
import { findPlan } from "../plans";
import {
  fetchStripeInvoice,
  fetchStripeSubscription,
  storeStripeInvoice,
  storeStripeSubscription,
  storeStripeCustomer,
  type StoreResult,
} from "../stripe-pull";
import { recordCatalogEvent } from "./catalog-drift";
import { prepareCreditsEvent } from "../credits/events";
import { ENDED, inGroup } from "../subscription-status";

export type EventOutcome = { status: "processed" | "ignored"; note?: string };

const processed: EventOutcome = { status: "processed" };
const outcomeOf = (result: StoreResult<unknown>): EventOutcome =>
  result.status === "unattributed" ? { status: "ignored", note: result.reason } : processed;

// Invoice events after which the subscription's own status may have moved (paid, past_due, …).
const INVOICE_EVENTS_THAT_MOVE_SUBSCRIPTIONS = new Set([
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.marked_uncollectible",
]);

const formatDate = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000).toISOString().slice(0, 10) : "soon");

/**
 * The database half of an event: short, version-guarded writes with no network call. `only` is set
 * when there is nothing to write and the outcome is known already (an event type the app ignores):
 * recording it then needs no transaction.
 */
export type EventWrite = ((tx: Queryable) => Promise<EventOutcome>) & { only?: EventOutcome };

const nothingToWrite = (outcome: EventOutcome): EventWrite => Object.assign(async () => outcome, { only: outcome });

/**
/**
 * Reads from Stripe what one event needs (the network half, run before any transaction opens) and
 * returns the writes that apply it. Objects are re-read rather than taken from the payload, so the
 * result is the same whatever order or how often events arrive. A validly signed event that is
 * malformed, or names an object Stripe no longer has, is ignored (recorded, answered 200) rather
 * than failed: retrying it for days could never succeed.
 */
export async function prepareStripeEvent(db: Queryable, event: Stripe.Event): Promise<EventWrite> {
  const object = event.data?.object as { id?: unknown } | undefined;
  if (typeof event.type !== "string" || !object || typeof object !== "object" || typeof object.id !== "string") {
    return nothingToWrite({ status: "ignored", note: "malformed event: no data.object with an id" });
  }
  try {
    return await prepareWellFormedEvent(db, event);
  } catch (error) {
    if (isResourceMissing(error)) return nothingToWrite({ status: "ignored", note: `Stripe no longer has ${object.id}` });
    throw error;
  }
}

async function prepareWellFormedEvent(db: Queryable, event: Stripe.Event): Promise<EventWrite> {
  const type = event.type as string;

  // Prepaid credits: packs bought through Checkout, auto top-ups, refunds (lib/billing/credits/events.ts).
  const credits = await prepareCreditsEvent(db, event);
  if (credits) return "write" in credits ? credits.write : nothingToWrite({ status: "ignored", note: credits.ignored });

  if (type === "checkout.session.completed" || type === "checkout.session.async_payment_succeeded") {
    const session = event.data.object as Stripe.Checkout.Session;
    const setupIntentId = idOf(session.setup_intent);
    if (session.mode === "setup" && setupIntentId && session.status === "complete") {
      // A card added for a card-less trial: it becomes the default (and a paused subscription resumes).
      const target = session.metadata?.subscriptionId ?? null;
      await applySetupPaymentMethod(setupIntentId, target);
      if (!target) return nothingToWrite(processed);
      const fetched = await fetchStripeSubscription(db, target);
      return async (tx) => outcomeOf(await storeStripeSubscription(tx, fetched, session.client_reference_id));
    }
    const subscriptionId = idOf(session.subscription);
    if (session.mode !== "subscription" || !subscriptionId)
      return nothingToWrite({ status: "ignored", note: "not a subscription checkout" });
    const fetched = await fetchStripeSubscription(db, subscriptionId);
    return async (tx) => outcomeOf(await storeStripeSubscription(tx, fetched, session.client_reference_id));
  }

  if (type.startsWith("customer.subscription.")) {
    const subscription = event.data.object as Stripe.Subscription;
    const fetched = await fetchStripeSubscription(db, subscription.id);
    // A card-less trial's reminder says what to do: add a card (read now, before the transaction).
    const cardOnFile = type === "customer.subscription.trial_will_end" ? await hasDefaultPaymentMethod(subscription.id) : true;
    return async (tx) => {
      const result = await storeStripeSubscription(tx, fetched);
      if (result.status === "synced") {
        const { accountId, status, planId } = result.row;
        logger.info({ eventId: event.id, subscriptionId: subscription.id, accountId, status, plan: planId }, "subscription changed");
        const notice = subscriptionNotice(event, subscription, result.row, cardOnFile);
        if (notice) await queueNotification(tx, { ...notice, accountId: result.row.accountId, sourceEventId: event.id });
        const alert = notice && OPERATOR_ALERTS[notice.kind];
        if (alert) {
          await recordAlert(tx, {
            kind: alert,
            dedupeKey: `${alert}:${event.id}`,
            text: `${notice.subject}: ${result.row.planId} subscription ${subscription.id} (customer ${idOf(subscription.customer)}).`,
            data: { eventId: event.id, subscriptionId: subscription.id, accountId: result.row.accountId },
          });
        }
      }
      return outcomeOf(result);
    };
  }

  if (type.startsWith("invoice.")) {
    const invoice = event.data.object as Stripe.Invoice;
    if (!invoice.id) return nothingToWrite({ status: "ignored", note: "upcoming invoices have no id" });
    const fetchedInvoice = await fetchStripeInvoice(db, invoice.id);
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
    const fetchedSubscription =
      subscriptionId && INVOICE_EVENTS_THAT_MOVE_SUBSCRIPTIONS.has(type)
        ? await fetchStripeSubscription(db, subscriptionId, fetchedInvoice.customer)
        : null;
    return async (tx) => {
      const result = await storeStripeInvoice(tx, fetchedInvoice);
      if (type === "invoice.paid" && result.status === "synced") {
        const { accountId, total, currency } = result.row;
        logger.info({ eventId: event.id, invoiceId: invoice.id, accountId, total, currency }, "invoice paid");
        await emitInvoiceEvent(tx, "invoice.paid", result.row, event.id);
      }
      if (fetchedSubscription) await storeStripeSubscription(tx, fetchedSubscription);
      if (type === "invoice.payment_failed" && result.status === "synced") {
        await emitInvoiceEvent(tx, "invoice.payment_failed", result.row, event.id);
        await recordAlert(tx, {
          kind: "payment_failed",
          dedupeKey: `payment_failed:${event.id}`,
          text: `Payment failed: invoice ${invoice.number ?? invoice.id} for ${invoice.amount_due} ${invoice.currency} (customer ${idOf(invoice.customer)}, attempt ${invoice.attempt_count}).`,
          data: { eventId: event.id, invoiceId: invoice.id },
        });
      }
      if (type === "invoice.payment_failed" && result.status === "synced" && result.row.accountId) {
        await queueNotification(tx, {
          accountId: result.row.accountId,
          kind: "payment_failed",
          sourceEventId: event.id,
          subject: "Your payment failed",
          body: `We could not charge your card for invoice ${invoice.number ?? invoice.id}. ${
            invoice.next_payment_attempt ? `We will try again on ${formatDate(invoice.next_payment_attempt)}. ` : ""
          }Please update your payment method in the billing page.`,
        });
      }
      return outcomeOf(result);
    };
  }

  if (type === "customer.updated" || type === "customer.deleted" || type.startsWith("customer.tax_id.")) {
    // What Stripe says now, not what the payload said then (a late customer.updated after a deletion, …).
    const customerId = type.startsWith("customer.tax_id.")
      ? idOf((event.data.object as Stripe.TaxId).customer)
      : (event.data.object as Stripe.Customer).id;
    if (!customerId) return nothingToWrite({ status: "ignored", note: "tax ID without a customer" });
    const customer = await retrieveCustomerState(customerId);
    return async (tx) => {
      await storeStripeCustomer(tx, customer);
      return processed;
    };
  }

  if (type.startsWith("subscription_schedule.")) {
    const schedule = event.data.object as Stripe.SubscriptionSchedule;
    const subscriptionId = idOf(schedule.subscription) ?? idOf(schedule.released_subscription);
    if (!subscriptionId) return nothingToWrite({ status: "ignored", note: "schedule without subscription" });
    const fetched = await fetchStripeSubscription(db, subscriptionId);
    return async (tx) => outcomeOf(await storeStripeSubscription(tx, fetched));
  }

  if (type.startsWith("product.") || type.startsWith("price.")) {
    return async (tx) => {
      await recordCatalogEvent(tx, event);
      return processed;
    };
  }

  return nothingToWrite({ status: "ignored", note: `no handler for ${type}` });
}

/** Customer notices that operators hear about too. */
const OPERATOR_ALERTS: Partial<Record<NotificationKind, AlertKind>> = {
  subscription_canceled: "subscription_canceled",
  subscription_cancel_scheduled: "cancellation_scheduled",
};

const planName = (planId: string) => findPlan(planId)?.name ?? "paid";

type Notice = { kind: NotificationKind; subject: string; body: string };

/** What a subscription event tells the customer, judged on the state just re-read from Stripe. */
function subscriptionNotice(event: Stripe.Event, subscription: Stripe.Subscription, row: Subscription, cardOnFile = true): Notice | null {
  const plan = planName(row.planId);
  switch (event.type) {
    case "customer.subscription.trial_will_end":
      return {
        kind: "trial_will_end",
        subject: "Your trial ends soon",
        body: cardOnFile
          ? `Your ${plan} trial ends on ${formatDate(subscription.trial_end)}. Add or confirm your card to keep your plan.`
          : `Your ${plan} trial ends on ${formatDate(subscription.trial_end)}. Add a card to keep ${plan} after ${formatDate(subscription.trial_end)}: open your billing page and choose "Add a card".`,
      };
    case "customer.subscription.updated": {
      const previous = (event.data.previous_attributes ?? {}) as Partial<Stripe.Subscription>;
      // Still set after re-reading, so a late event that arrives after a resume sends nothing.
      if (previous.cancel_at_period_end !== false || !row.cancelAtPeriodEnd) return null;
      const endsOn = formatDate(row.currentPeriodEnd ? row.currentPeriodEnd.getTime() / 1000 : null);
      return {
        kind: "subscription_cancel_scheduled",
        subject: "Your subscription will end",
        body: `Your ${plan} subscription is canceled and ends on ${endsOn}. You keep everything until then, and you can resume it any time before that date.`,
      };
    }
    case "customer.subscription.deleted":
      // Only when the re-read confirms it: a forged-order or stale event must not tell a paying customer it ended.
      if (!inGroup(ENDED, row.status)) return null;
      return {
        kind: "subscription_canceled",
        subject: "Your subscription has ended",
        body: `Your ${plan} subscription has been canceled. You are now on the Free plan.`,
      };
    default:
      return null;
  }
}
