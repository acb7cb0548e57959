import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { TRIAL_WILL_END_LEAD, UPCOMING_INVOICE_LEAD } from "../config";
import { StripeApiError } from "../http/errors";
import { Params } from "../http/form";
import { previewInvoice } from "./preview";
import {
  cancelSubscription,
  endTrial,
  expireIncomplete,
  finalizeAndCharge,
  markTrialWillEndSent,
  period,
  renewSubscription,
  retryInvoice,
  sendUpcomingInvoice,
  trialWillEndSent,
  upcomingSentFor,
} from "./subscriptions";
import { advanceSchedulePhase, startSchedule } from "./schedules";
import { expirePendingUpdate } from "./payment-behavior";

const INCOMPLETE_EXPIRY = 23 * 3600;

interface DueAction {
  at: number;
  /** Order of things happening at the same second: schedule phases switch before the renewal they price. */
  priority: number;
  run: (at: number) => void;
}

function clockOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === "string" ? value : value.id;
}

/** The next invoice as `invoices.createPreview` shows it, or null when nothing will be invoiced. */
function nextInvoicePreview(emu: Emulator, sub: Stripe.Subscription): Stripe.Invoice | null {
  try {
    return previewInvoice(emu, new Params({ subscription: sub.id }));
  } catch (err) {
    if (err instanceof StripeApiError) return null;
    throw err;
  }
}

/** invoice.upcoming a few days before an automatic renewal (not for subscriptions ending then). */
function upcomingAction(emu: Emulator, sub: Stripe.Subscription, renewsAt: number): DueAction[] {
  if (sub.cancel_at !== null || upcomingSentFor(emu, sub) === renewsAt) return [];
  const at = renewsAt - UPCOMING_INVOICE_LEAD;
  if (at <= sub.created) return [];
  return [{ at, priority: 0, run: () => sendUpcomingInvoice(emu, sub, renewsAt, nextInvoicePreview(emu, sub)) }];
}

function subscriptionActions(emu: Emulator, sub: Stripe.Subscription): DueAction[] {
  const actions: DueAction[] = [];
  const { end } = period(sub);
  if (sub.pending_update && sub.status !== "canceled") {
    actions.push({ at: sub.pending_update.expires_at, priority: 2, run: () => expirePendingUpdate(emu, sub) });
  }
  switch (sub.status) {
    case "trialing":
      if (sub.trial_end !== null && !trialWillEndSent(emu, sub)) {
        actions.push({
          at: sub.trial_end - TRIAL_WILL_END_LEAD,
          priority: 0,
          run: () => {
            markTrialWillEndSent(emu, sub);
            emitEvent(emu, "customer.subscription.trial_will_end", sub);
          },
        });
      }
      if (sub.cancel_at !== null) {
        actions.push({ at: sub.cancel_at, priority: 2, run: () => cancelSubscription(emu, sub, { reason: "cancellation_requested" }) });
      }
      if (sub.trial_end !== null) actions.push({ at: sub.trial_end, priority: 3, run: (at) => endTrial(emu, sub, at) });
      break;
    case "active":
    case "past_due":
    case "unpaid":
      if (sub.cancel_at !== null) {
        actions.push({ at: sub.cancel_at, priority: 2, run: () => cancelSubscription(emu, sub, { reason: "cancellation_requested" }) });
      }
      actions.push({ at: end, priority: 3, run: (at) => renewSubscription(emu, sub, at) });
      break;
    case "incomplete":
      actions.push({ at: sub.created + INCOMPLETE_EXPIRY, priority: 3, run: () => expireIncomplete(emu, sub) });
      break;
    default:
      break;
  }
  if (sub.status === "trialing" && sub.trial_end !== null) actions.push(...upcomingAction(emu, sub, sub.trial_end));
  if (sub.status === "active" || sub.status === "past_due") actions.push(...upcomingAction(emu, sub, end));
  return actions;
}

function invoiceActions(emu: Emulator, invoice: Stripe.Invoice): DueAction[] {
  if (invoice.status === "draft" && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
    return [{ at: invoice.automatically_finalizes_at, priority: 4, run: () => finalizeAndCharge(emu, invoice) }];
  }
  if (invoice.status === "open" && invoice.next_payment_attempt !== null) {
    return [{ at: invoice.next_payment_attempt, priority: 5, run: () => retryInvoice(emu, invoice) }];
  }
  return [];
}

const SCHEDULE_EXPIRING_LEAD = 7 * 86_400;

function scheduleActions(emu: Emulator, schedule: Stripe.SubscriptionSchedule): DueAction[] {
  // A schedule created with phases and a future start_date creates its subscription when that time comes.
  const first = schedule.phases[0];
  if (schedule.status === "not_started" && first)
    return [{ at: first.start_date, priority: 1, run: (at) => startSchedule(emu, schedule, at) }];
  if (schedule.status !== "active" || !schedule.current_phase) return [];
  const actions: DueAction[] = [{ at: schedule.current_phase.end_date, priority: 1, run: (at) => advanceSchedulePhase(emu, schedule, at) }];
  // subscription_schedule.expiring: 7 days before the last phase ends.
  const endsAt = schedule.phases.at(-1)?.end_date;
  if (endsAt && emu.store.scheduleExpiringSentFor.get(schedule.id) !== endsAt && endsAt - SCHEDULE_EXPIRING_LEAD > schedule.created) {
    actions.push({
      at: endsAt - SCHEDULE_EXPIRING_LEAD,
      priority: 0,
      run: () => {
        emu.store.scheduleExpiringSentFor.set(schedule.id, endsAt);
        emitEvent(emu, "subscription_schedule.expiring", schedule);
      },
    });
  }
  return actions;
}

function nextAction(emu: Emulator, clockId: string | null, target: number): DueAction | null {
  let best: DueAction | null = null;
  const consider = (actions: DueAction[]) => {
    for (const action of actions) {
      if (action.at > target) continue;
      if (!best || action.at < best.at || (action.at === best.at && action.priority < best.priority)) best = action;
    }
  };
  for (const schedule of emu.store.subscriptionSchedules.values()) {
    if (clockOf(schedule.test_clock) === clockId) consider(scheduleActions(emu, schedule));
  }
  for (const sub of emu.store.subscriptions.values()) {
    if (clockOf(sub.test_clock) === clockId) consider(subscriptionActions(emu, sub));
  }
  for (const invoice of emu.store.invoices.values()) {
    if (clockOf(invoice.test_clock) === clockId) consider(invoiceActions(emu, invoice));
  }
  return best;
}

/**
 * Run everything that falls due up to `target`, one action at a time in time order. On a test clock the frozen
 * time steps to each action's time so events and objects carry the moment they happened.
 */
export function advanceTime(emu: Emulator, clockId: string | null, target: number): void {
  const clock = clockId ? emu.store.testClocks.get(clockId) : undefined;
  emu.withoutRequest(() => {
    for (let guard = 0; guard < 10_000; guard++) {
      const action = nextAction(emu, clockId, target);
      if (!action) break;
      if (clock) clock.frozen_time = Math.max(clock.frozen_time, action.at);
      action.run(action.at);
    }
  });
  if (clock) clock.frozen_time = target;
}
