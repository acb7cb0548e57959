import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest } from "../http/errors";
import type { Params } from "../http/form";
import { getPrice } from "../resources/lookup";
import { addInterval } from "./periods";
import { cancelSubscription, createSubscription, period, recurringOf } from "./subscriptions";
import { applyItemChanges, invoiceChanges, planItemChanges, type ProrationBehavior } from "./changes";

function phaseItem(price: Stripe.Price, quantity: number, metadata: Record<string, string> = {}): Stripe.SubscriptionSchedule.Phase.Item {
  return { billing_thresholds: null, discounts: [], metadata, plan: price.id, price: price.id, quantity };
}

function buildPhase(
  currency: string,
  items: Stripe.SubscriptionSchedule.Phase.Item[],
  start: number,
  end: number,
  prorationBehavior: Stripe.SubscriptionSchedule.Phase.ProrationBehavior,
  metadata: Record<string, string>,
  trialEnd: number | null,
): Stripe.SubscriptionSchedule.Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: end,
    invoice_settings: null,
    items,
    metadata,
    on_behalf_of: null,
    proration_behavior: prorationBehavior,
    start_date: start,
    transfer_data: null,
    trial_end: trialEnd,
  };
}

/** A schedule's `default_settings` as Stripe answers them when none are given (the emulator takes none). */
function defaultScheduleSettings(): Stripe.SubscriptionSchedule.DefaultSettings {
  return {
    application_fee_percent: null,
    billing_cycle_anchor: "automatic",
    billing_thresholds: null,
    collection_method: "charge_automatically",
    default_payment_method: null,
    description: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      days_until_due: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    on_behalf_of: null,
    transfer_data: null,
  };
}

export function scheduleIdOf(sub: Stripe.Subscription): string | null {
  return typeof sub.schedule === "string" ? sub.schedule : (sub.schedule?.id ?? null);
}

export function createScheduleFromSubscription(
  emu: Emulator,
  sub: Stripe.Subscription,
  metadata: Record<string, string>,
): Stripe.SubscriptionSchedule {
  if (scheduleIdOf(sub)) {
    throw invalidRequest(
      `You cannot migrate a subscription that is already attached to a schedule: \`${scheduleIdOf(sub)}\`.`,
      "from_subscription",
    );
  }
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest("You cannot create a subscription schedule from a canceled subscription.", "from_subscription");
  }
  const now = emu.nowFor(String(sub.customer));
  const { start, end } = period(sub);
  const phase = buildPhase(
    sub.currency,
    sub.items.data.map((i) => phaseItem(i.price, i.quantity ?? 1, i.metadata)),
    start,
    end,
    "create_prorations",
    {},
    sub.status === "trialing" ? sub.trial_end : null,
  );
  const schedule: Stripe.SubscriptionSchedule = {
    id: newId("sub_sched"),
    object: "subscription_schedule",
    application: null,
    billing_mode: { flexible: sub.billing_mode.flexible, type: sub.billing_mode.type },
    canceled_at: null,
    completed_at: null,
    created: now,
    current_phase: { start_date: start, end_date: end },
    customer: String(sub.customer),
    customer_account: null,
    default_settings: defaultScheduleSettings(),
    end_behavior: "release",
    livemode: false,
    metadata,
    pause_schedules: [],
    phases: [phase],
    released_at: null,
    released_subscription: null,
    status: "active",
    subscription: sub.id,
    test_clock: sub.test_clock,
  };
  emu.store.subscriptionSchedules.set(schedule.id, schedule);
  emitEvent(emu, "subscription_schedule.created", schedule);
  const before = clone(sub);
  sub.schedule = schedule.id;
  emitEvent(emu, "customer.subscription.updated", sub, before);
  return schedule;
}

/**
 * Replace a schedule's phases from `phases[...]` params, filling start/end dates like Stripe does. `firstStart` is
 * the schedule's `start_date` when it is created with phases (the first phase starts then).
 */
export function updateSchedulePhases(
  emu: Emulator,
  schedule: Stripe.SubscriptionSchedule,
  phaseParams: Params[],
  firstStart?: number,
): void {
  const subId = typeof schedule.subscription === "string" ? schedule.subscription : (schedule.subscription?.id ?? null);
  const sub = subId ? emu.store.subscriptions.get(subId) : undefined;
  const now = emu.nowForClock(typeof schedule.test_clock === "string" ? schedule.test_clock : null);
  const phases: Stripe.SubscriptionSchedule.Phase[] = [];
  let previousEnd: number | null = null;
  phaseParams.forEach((p, index) => {
    const prefix = `phases[${index}]`;
    const itemParams = p.objArray("items");
    if (!itemParams || itemParams.length === 0)
      throw invalidRequest("Each phase must have at least one item.", `${prefix}[items]`, "parameter_missing");
    const items = itemParams.map((ip, j) => {
      const priceId = ip.str("price") ?? ip.str("plan");
      if (!priceId) throw invalidRequest("Missing required param: price.", `${prefix}[items][${j}][price]`, "parameter_missing");
      return {
        price: getPrice(emu, priceId, `${prefix}[items][${j}][price]`),
        quantity: ip.int("quantity") ?? 1,
        metadata: ip.applyMetadata({}),
      };
    });
    const startRaw = p.str("start_date");
    let start: number;
    if (startRaw === "now") start = now;
    else if (startRaw !== undefined) start = p.requiredInt("start_date");
    else if (previousEnd !== null) start = previousEnd;
    else if (firstStart !== undefined) start = firstStart;
    else start = schedule.current_phase?.start_date ?? schedule.phases[0]?.start_date ?? now;
    if (previousEnd !== null && start !== previousEnd) {
      throw invalidRequest("The start_date of a phase must equal the end_date of the previous phase.", `${prefix}[start_date]`);
    }
    if (
      index === 0 &&
      schedule.status === "active" &&
      schedule.current_phase &&
      start !== schedule.current_phase.start_date &&
      startRaw !== "now"
    ) {
      throw invalidRequest("You cannot modify the start date of the current phase.", `${prefix}[start_date]`);
    }
    const endRaw = p.str("end_date");
    const recurring = recurringOf(items[0].price);
    // Without end_date a phase lasts `duration` (default: one billing interval of its first price).
    const duration = p.obj("duration");
    const lengthEnd = duration
      ? addInterval(
          start,
          duration.oneOf("interval", ["day", "week", "month", "year"] as const) ?? "month",
          duration.int("interval_count") ?? 1,
        )
      : addInterval(start, recurring.interval, recurring.interval_count);
    const end = endRaw === "now" ? now : endRaw !== undefined ? p.requiredInt("end_date") : lengthEnd;
    if (end <= start) throw invalidRequest("The end_date of a phase must be after its start_date.", `${prefix}[end_date]`);
    const proration = p.oneOf("proration_behavior", ["create_prorations", "always_invoice", "none"] as const) ?? "create_prorations";
    const trialEnd = p.int("trial_end") ?? null;
    phases.push(
      buildPhase(
        items[0].price.currency,
        items.map((i) => phaseItem(i.price, i.quantity, i.metadata)),
        start,
        end,
        proration,
        p.applyMetadata({}),
        trialEnd,
      ),
    );
    previousEnd = end;
  });
  schedule.phases = phases;
  if (phases.length === 0) throw invalidRequest("Missing required param: phases.", "phases", "parameter_missing");
  const current = phases.find((ph) => ph.start_date <= now && now < ph.end_date) ?? phases[0];
  schedule.current_phase = schedule.status === "active" ? { start_date: current.start_date, end_date: current.end_date } : null;
  if (sub && schedule.status === "active") syncSubscriptionToPhase(emu, sub, current, now);
}

/** Make the subscription's items match a phase (no-op when they already do). */
function syncSubscriptionToPhase(emu: Emulator, sub: Stripe.Subscription, phase: Stripe.SubscriptionSchedule.Phase, at: number): void {
  const target = phase.items.map((i) => ({ price: typeof i.price === "string" ? i.price : i.price.id, quantity: i.quantity ?? 1 }));
  const current = sub.items.data.map((i) => ({ price: i.price.id, quantity: i.quantity ?? 1 }));
  if (JSON.stringify(target) === JSON.stringify(current)) return;
  const updates = [
    ...sub.items.data.map((item, index) =>
      index < target.length
        ? { id: item.id, price: getPrice(emu, target[index].price), quantity: target[index].quantity }
        : { id: item.id, deleted: true },
    ),
    ...target.slice(sub.items.data.length).map((t) => ({ price: getPrice(emu, t.price), quantity: t.quantity })),
  ];
  const plan = planItemChanges(sub, updates);
  const behavior: ProrationBehavior =
    phase.proration_behavior === "always_invoice" ? "always_invoice" : phase.proration_behavior === "none" ? "none" : "create_prorations";
  const { prorations, before } = applyItemChanges(emu, sub, plan, behavior, at);
  emitEvent(emu, "customer.subscription.updated", sub, before);
  invoiceChanges(emu, sub, plan, behavior, prorations);
}

export function releaseSchedule(emu: Emulator, schedule: Stripe.SubscriptionSchedule): void {
  if (schedule.status !== "active" && schedule.status !== "not_started") {
    throw invalidRequest(
      `You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status.`,
      undefined,
      "subscription_schedule_invalid_status",
    );
  }
  const subId = typeof schedule.subscription === "string" ? schedule.subscription : (schedule.subscription?.id ?? null);
  const now = emu.nowFor(String(schedule.customer));
  schedule.status = "released";
  schedule.released_at = now;
  schedule.released_subscription = subId;
  schedule.subscription = null;
  schedule.current_phase = null;
  emitEvent(emu, "subscription_schedule.released", schedule);
  const sub = subId ? emu.store.subscriptions.get(subId) : undefined;
  if (sub) {
    const before = clone(sub);
    sub.schedule = null;
    emitEvent(emu, "customer.subscription.updated", sub, before);
  }
}

/** The clock reached the end of the current phase: move to the next one, or apply end_behavior after the last. */
export function advanceSchedulePhase(emu: Emulator, schedule: Stripe.SubscriptionSchedule, at: number): void {
  const currentEnd = schedule.current_phase?.end_date;
  const index = schedule.phases.findIndex((p) => p.end_date === currentEnd);
  const next = index >= 0 ? schedule.phases[index + 1] : undefined;
  const subId = typeof schedule.subscription === "string" ? schedule.subscription : (schedule.subscription?.id ?? null);
  const sub = subId ? emu.store.subscriptions.get(subId) : undefined;
  if (next && sub) {
    const before = clone(schedule);
    schedule.current_phase = { start_date: next.start_date, end_date: next.end_date };
    syncSubscriptionToPhase(emu, sub, next, at);
    emitEvent(emu, "subscription_schedule.updated", schedule, before);
    return;
  }
  if (schedule.end_behavior === "cancel" && sub) {
    schedule.status = "completed";
    schedule.completed_at = at;
    schedule.current_phase = null;
    sub.schedule = null;
    emitEvent(emu, "subscription_schedule.completed", schedule);
    cancelSubscription(emu, sub, { reason: "cancellation_requested" });
    return;
  }
  releaseSchedule(emu, schedule);
}

/**
 * `subscriptionSchedules.create({ customer, phases, start_date })`: a schedule that creates its subscription. With
 * `start_date: 'now'` (the default) the subscription starts at once, billed like `subscriptions.create` with the
 * customer's default payment method; a future `start_date` leaves the schedule `not_started` until the clock reaches
 * it (`startSchedule`). Its phases then advance like those of a schedule made `from_subscription`.
 */
export function createScheduleWithPhases(
  emu: Emulator,
  customer: Stripe.Customer,
  phaseParams: Params[],
  startDate: number | "now",
  metadata: Record<string, string>,
): Stripe.SubscriptionSchedule {
  const now = emu.nowFor(customer.id);
  const start = startDate === "now" ? now : startDate;
  if (start < now) {
    throw invalidRequest(
      "start_date in the past (backdating a subscription) is not supported by the emulator: use `now` or a future time.",
      "start_date",
      "emulator_unsupported_parameter",
    );
  }
  const clock = typeof customer.test_clock === "string" ? customer.test_clock : (customer.test_clock?.id ?? null);
  const schedule: Stripe.SubscriptionSchedule = {
    id: newId("sub_sched"),
    object: "subscription_schedule",
    application: null,
    billing_mode: { flexible: { proration_discounts: "included" }, type: "flexible" },
    canceled_at: null,
    completed_at: null,
    created: now,
    current_phase: null,
    customer: customer.id,
    customer_account: null,
    default_settings: defaultScheduleSettings(),
    end_behavior: "release",
    livemode: false,
    metadata,
    pause_schedules: [],
    phases: [],
    released_at: null,
    released_subscription: null,
    status: "not_started",
    subscription: null,
    test_clock: clock,
  };
  updateSchedulePhases(emu, schedule, phaseParams, start);
  const first = schedule.phases[0];
  const startsNow = start <= now;
  if (startsNow) refuseUnpayable(emu, customer, first);
  emu.store.subscriptionSchedules.set(schedule.id, schedule);
  emitEvent(emu, "subscription_schedule.created", schedule);
  if (startsNow) startSchedule(emu, schedule, now);
  return schedule;
}

/** A first phase that charges now needs a payment method that can pay (Stripe's subscriptions.create answer). */
function refuseUnpayable(emu: Emulator, customer: Stripe.Customer, phase: Stripe.SubscriptionSchedule.Phase): void {
  const trialing = phase.trial_end !== null && phase.trial_end > phase.start_date;
  const due = phase.items.some((item) => {
    const price = emu.store.prices.get(typeof item.price === "string" ? item.price : item.price.id);
    return (price?.unit_amount ?? 0) > 0 && price?.recurring?.usage_type !== "metered";
  });
  const pm = customer.invoice_settings.default_payment_method;
  if (!trialing && due && !pm) {
    throw invalidRequest(
      "This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.",
      undefined,
      "resource_missing",
    );
  }
}

/** The schedule's start date arrived: it creates the subscription from its first phase and becomes `active`. */
export function startSchedule(emu: Emulator, schedule: Stripe.SubscriptionSchedule, at: number): void {
  const customer = emu.store.customers.get(String(schedule.customer));
  const phase = schedule.phases[0];
  if (!customer || !phase || schedule.status !== "not_started") return;
  const before = clone(schedule);
  const trialEnd = phase.trial_end !== null && phase.trial_end > at ? phase.trial_end : null;
  const { subscription } = createSubscription(emu, {
    customer,
    items: phase.items.map((item) => ({
      price: getPrice(emu, typeof item.price === "string" ? item.price : item.price.id),
      quantity: item.quantity ?? 1,
      metadata: item.metadata ?? {},
    })),
    trialEnd,
    metadata: clone(phase.metadata ?? {}),
    description: null,
    defaultPaymentMethod: null,
    authenticated: false,
    schedule: schedule.id,
  });
  schedule.status = "active";
  schedule.subscription = subscription.id;
  schedule.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
  emitEvent(emu, "subscription_schedule.updated", schedule, before);
}
