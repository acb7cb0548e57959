import type Stripe from 'stripe';
import type { Emulator } from '../emulator';
import { emitEvent } from '../events';
import { TRIAL_WILL_END_LEAD } from '../config';
import {
  cancelSubscription,
  expireIncomplete,
  finalizeAndCharge,
  markTrialWillEndSent,
  period,
  renewSubscription,
  retryInvoice,
  trialWillEndSent,
} from './subscriptions';
import { advanceSchedulePhase } from './schedules';
import { expirePendingUpdate } from './payment-behavior';

const INCOMPLETE_EXPIRY = 23 * 3600;

interface DueAction {
  at: number;
  /** Order of things happening at the same second: schedule phases switch before the renewal they price. */
  priority: number;
  run: (at: number) => void;
}

function clockOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

function subscriptionActions(emu: Emulator, sub: Stripe.Subscription): DueAction[] {
  const actions: DueAction[] = [];
  const { end } = period(sub);
  if (sub.pending_update && sub.status !== 'canceled') {
    actions.push({ at: sub.pending_update.expires_at, priority: 2, run: () => expirePendingUpdate(emu, sub) });
  }
  switch (sub.status) {
    case 'trialing':
      if (sub.trial_end !== null && !trialWillEndSent(emu, sub)) {
        actions.push({
          at: sub.trial_end - TRIAL_WILL_END_LEAD,
          priority: 0,
          run: () => {
            markTrialWillEndSent(emu, sub);
            emitEvent(emu, 'customer.subscription.trial_will_end', sub);
          },
        });
      }
      if (sub.cancel_at !== null) {
        actions.push({ at: sub.cancel_at, priority: 2, run: () => cancelSubscription(emu, sub, { reason: 'cancellation_requested' }) });
      }
      if (sub.trial_end !== null) actions.push({ at: sub.trial_end, priority: 3, run: (at) => renewSubscription(emu, sub, at, true) });
      break;
    case 'active':
    case 'past_due':
    case 'unpaid':
      if (sub.cancel_at !== null) {
        actions.push({ at: sub.cancel_at, priority: 2, run: () => cancelSubscription(emu, sub, { reason: 'cancellation_requested' }) });
      }
      actions.push({ at: end, priority: 3, run: (at) => renewSubscription(emu, sub, at) });
      break;
    case 'incomplete':
      actions.push({ at: sub.created + INCOMPLETE_EXPIRY, priority: 3, run: () => expireIncomplete(emu, sub) });
      break;
    default:
      break;
  }
  return actions;
}

function invoiceActions(emu: Emulator, invoice: Stripe.Invoice): DueAction[] {
  if (invoice.status === 'draft' && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
    return [{ at: invoice.automatically_finalizes_at, priority: 4, run: () => finalizeAndCharge(emu, invoice) }];
  }
  if (invoice.status === 'open' && invoice.next_payment_attempt !== null) {
    return [{ at: invoice.next_payment_attempt, priority: 5, run: () => retryInvoice(emu, invoice) }];
  }
  return [];
}

function scheduleActions(emu: Emulator, schedule: Stripe.SubscriptionSchedule): DueAction[] {
  if (schedule.status !== 'active' || !schedule.current_phase) return [];
  return [{ at: schedule.current_phase.end_date, priority: 1, run: (at) => advanceSchedulePhase(emu, schedule, at) }];
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
